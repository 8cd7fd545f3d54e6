// A file with bytes that are not UTF-8 in a comment (ÿşÃ() and a string.
#include <mutex>
std::mutex m;
const char* text = "été";
int main() { return 0; }
