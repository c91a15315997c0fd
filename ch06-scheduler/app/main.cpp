#include "demos.hpp"

int main(int argc, char** argv) {
  return rt::cli::main(ch06::program(), argc, argv);
}
