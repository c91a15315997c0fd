#include "demos.hpp"

int main(int argc, char** argv) {
  return rt::cli::main(ch02::program(), argc, argv);
}
