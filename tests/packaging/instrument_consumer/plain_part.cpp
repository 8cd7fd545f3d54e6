// Not instrumented: plain code in the same program as instrumented code.
long plain_part_value() {
  return 21;
}
