#include "no_such_header.hpp"
int main() { return 0; }
