// IOCP's own pitfall: closing a socket does not make its pending operations disappear.
// Each still completes, through the port, with ERROR_OPERATION_ABORTED, and until then the
// kernel may write to its buffer and OVERLAPPED (io_operation.hpp).
#include <windows.h>
#include <winsock2.h>

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "rt/poll/io_operation.hpp"

using namespace std::chrono_literals;
using rt::poll::Event;
using rt::poll::IoSocket;
using rt::poll::Operation;
using rt::poll::Poller;

TEST(Iocp, ClosingASocketCompletesItsPendingReceiveAsAborted) {
  Poller poller;
  auto [local, peer] = rt::poll::connected_pair();
  std::string buffer(64, '\0');
  Operation receive(Operation::Kind::receive,
                    std::as_writable_bytes(std::span(buffer.data(), buffer.size())));
  IoSocket io(poller, local);
  ASSERT_FALSE(io.start(receive));
  local.close();
  EXPECT_EQ(receive.state(), Operation::State::pending) << "closing does not finish it";
  std::array<Event, 4> events;
  ASSERT_EQ(poller.wait(events, 10s), 1u) << "the completion comes through the port";
  EXPECT_EQ(events[0].token, io.token());
  auto finished = io.on_event(events[0]);
  ASSERT_EQ(finished.count, 1u);
  EXPECT_EQ(finished.items[0], &receive);
  // Windows: ERROR_OPERATION_ABORTED (995). Wine 8: ERROR_HANDLES_CLOSED (676), from the
  // STATUS_HANDLES_CLOSED its server completes the operation with. Both mean "aborted".
  EXPECT_TRUE(rt::poll::is_cancelled(receive.error())) << "error " << receive.error();
  EXPECT_EQ(receive.bytes(), 0u);
}

TEST(Iocp, ReadinessRegistrationIsRefusedWithERROR_NOT_SUPPORTED) {
  Poller poller;
  auto [a, b] = rt::poll::connected_pair();
  try {
    poller.add(a.handle(), rt::poll::Interest::read, 1);
    FAIL() << "IOCP has no readiness registration";
  } catch (const rt::OsError& e) {
    EXPECT_EQ(e.code(), ERROR_NOT_SUPPORTED);
  }
}
