#include "demos.hpp"

int main(int argc, char** argv) {
  return rt::cli::main(ch04::program(), argc, argv);
}
