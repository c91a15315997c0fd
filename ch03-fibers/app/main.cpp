#include "demos.hpp"

int main(int argc, char** argv) {
  return rt::cli::main(ch03::program(), argc, argv);
}
