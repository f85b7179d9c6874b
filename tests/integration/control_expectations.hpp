// Checks shared by the control-plane tests: how streamctl reports failures, and streamctl's
// exit status with everything needed to understand it.
#pragma once

#include "process.hpp"
#include "streamctl.hpp"
#include "transfer_states.hpp"

#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <string_view>

namespace streamd::it {

// A failure is exit status 1 (not a crash, not a hang, not a usage error) with one
// "streamctl: " line that contains every expected piece.
inline void expect_streamctl_failure(const RunResult& result,
                                     std::initializer_list<std::string_view> pieces,
                                     const std::string& context = "") {
    ASSERT_FALSE(result.timed_out) << result.describe() << "\n" << context;
    ASSERT_EQ(result.status.signal, 0) << result.describe() << "\n" << context;
    ASSERT_EQ(result.status.code, 1) << result.describe() << "\n" << context;
    auto reason = failure_reason(result);
    ASSERT_TRUE(reason.has_value()) << "stderr must be exactly one line starting \"streamctl: \"\n"
                                    << result.describe() << "\n"
                                    << context;
    for (std::string_view piece : pieces)
        EXPECT_NE(reason->find(piece), std::string::npos) << "reason lacks \"" << piece << "\"\n"
                                                          << result.describe() << "\n"
                                                          << context;
}

inline ::testing::AssertionResult succeeded(const RunResult& result) {
    if (result.status.success() && !result.timed_out) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << result.describe();
}

// A transfer of `name` ended on `bus`, under whichever id, and ended done.
inline ::testing::AssertionResult ended_done(StreamdBus& bus, const std::string& name) {
    const auto end = wait_until_finished(bus, name);
    if (!end.row) return ::testing::AssertionFailure() << end.report;
    if (end.row->state != "done") return ::testing::AssertionFailure() << end.row->describe();
    return ::testing::AssertionSuccess();
}

} // namespace streamd::it
