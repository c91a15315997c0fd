#include "demos.hpp"

int main(int argc, char** argv) {
  return rt::cli::main(ch05::program(), argc, argv);
}
