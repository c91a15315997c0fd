// Chapter 4's model-independent server suites (echo, robustness, running out of memory and of
// descriptors), compiled again here and run on the M:N server: the connection code is chapter
// 4's, so what these test is the runtime under it. On one worker (every fiber on one thread,
// as chapter 4's Loop) and on four (more than this machine's CPUs: fibers move between
// threads while they wait, and the OS preempts workers).
#include "echo_server.hpp"
#include "echo_testing.hpp"

namespace ch04::testing {

std::vector<ModelUnderTest> models_under_test() {
  std::vector<ModelUnderTest> models;
  for (int workers : {1, 4}) {
    models.push_back({.model = Model::fibers,
                      .factory = ch06::mn_fibers_model(workers),
                      .name = "mn_fibers_" + std::to_string(workers) + "w"});
  }
  return models;
}

}  // namespace ch04::testing
