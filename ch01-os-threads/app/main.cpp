#include "demos.hpp"

int main(int argc, char** argv) {
  return rt::cli::main(ch01::program(), argc, argv);
}
