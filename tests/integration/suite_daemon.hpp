// One daemon for a whole test suite, started before its first case and stopped after its
// last, whose incoming folder each case leaves empty for the next. `Suite` names the
// options it runs with: `static StreamdOptions options()`.
#pragma once

#include "streamd_instance.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace streamd::it {

template <typename Suite> class SuiteDaemon : public ::testing::Test {
protected:
    static void SetUpTestSuite() { daemon_ = std::make_unique<StreamdInstance>(Suite::options()); }
    static void TearDownTestSuite() { daemon_.reset(); }

    void TearDown() override {
        for (const auto& e : std::filesystem::directory_iterator(daemon().incoming()))
            std::filesystem::remove_all(e.path());
    }

    static StreamdInstance& daemon() { return *daemon_; }
    static std::string url(const std::string& path) {
        return "http://127.0.0.1:" + std::to_string(daemon().port()) + path;
    }

private:
    static inline std::unique_ptr<StreamdInstance> daemon_;
};

} // namespace streamd::it
