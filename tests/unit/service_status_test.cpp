#include "control/service_status.hpp"

#include <gtest/gtest.h>

namespace streamd {
namespace {

TEST(ServiceStatus, IdleSaysWhereItListens) {
    EXPECT_EQ(service_status({}, "[::]:7740"), "listening on [::]:7740");
}

TEST(ServiceStatus, OneDirectionNamesIt) {
    EXPECT_EQ(service_status({.active_in = 2, .rate_in = 3 * 1024 * 1024}, "x"),
              "2 receiving, 3.00 MiB/s");
    EXPECT_EQ(service_status({.active_out = 1, .rate_out = 1024}, "x"), "1 sending, 1.00 KiB/s");
}

TEST(ServiceStatus, BothDirectionsAddUp) {
    EXPECT_EQ(
        service_status({.active_in = 1, .active_out = 2, .rate_in = 512, .rate_out = 512}, "x"),
        "3 active (1 receiving, 2 sending), 1.00 KiB/s");
}

TEST(ServiceStatus, AnActiveTransferWithoutDataYetSaysZero) {
    EXPECT_EQ(service_status({.active_in = 1}, "x"), "1 receiving, 0 B/s");
}

} // namespace
} // namespace streamd
