// The models chapter 4's suites test: its own three (echo_testing.hpp, models_under_test()).
#include "echo_testing.hpp"

namespace ch04::testing {

std::vector<ModelUnderTest> models_under_test() {
  std::vector<ModelUnderTest> models;
  for (Model model : {Model::threads, Model::events, Model::fibers}) {
    models.push_back({.model = model, .factory = std::nullopt, .name = to_string(model)});
  }
  return models;
}

}  // namespace ch04::testing
