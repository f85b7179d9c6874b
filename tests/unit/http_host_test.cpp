#include "http_host.hpp"

#include <gtest/gtest.h>

namespace streamd::proto::http {
namespace {

TEST(HttpHost, AddressesAndLocalhostAreLocal) {
    for (const char* host : {"127.0.0.1", "127.0.0.1:7740", "192.0.2.7:80", "[::1]", "[::1]:7740",
                             "localhost", "LOCALHOST:7740", "app.localhost", "a.b.localhost:1"}) {
        SCOPED_TRACE(host);
        EXPECT_TRUE(is_local_authority(host));
    }
}

TEST(HttpHost, NamesAreNot) {
    for (const char* host :
         {"", "example.com", "example.com:7740", "localhost.example.com", "127.0.0.1.nip.io",
          "evil-localhost", ".localhost", "[::1", "[::1]x", "[::1]:", "[nothing]", "127.0.0.1:port",
          "127.0.0.1:123456", "1.2.3", "::1"}) {
        SCOPED_TRACE(host);
        EXPECT_FALSE(is_local_authority(host));
    }
}

} // namespace
} // namespace streamd::proto::http
