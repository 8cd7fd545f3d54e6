/* C code of an instrumented target: compiled with -fsanitize=thread too. */
static int c_counter;

int c_part_value(void) {
  c_counter += 1;
  return c_counter;
}
