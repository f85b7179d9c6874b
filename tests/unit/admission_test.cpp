// Connections per address ([limits] max_connections_per_address) and in all
// (max_connections): a place is taken when a connection is accepted and given back exactly
// once, however often the connection's Admission moves from one kind of connection to
// another; when all are taken, the oldest still in its handshake is shed.
#include "config/config.hpp"
#include "config/live_settings.hpp"
#include "port/admission.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace streamd {
namespace {

Config with_limit(unsigned per_address) {
    Config c;
    c.limits.max_connections = 0;
    c.limits.max_connections_per_address = per_address;
    return c;
}

std::optional<Admission> admit(AdmissionCounter& counter, std::string host) {
    std::string why;
    return counter.admit(std::move(host), why);
}

// How many more connections `host` may open now; takes them all and gives them back.
unsigned places_left(AdmissionCounter& counter, const std::string& host) {
    std::vector<Admission> taken;
    while (taken.size() < 10'000) {
        auto a = admit(counter, host);
        if (!a) break;
        taken.push_back(std::move(*a));
    }
    return static_cast<unsigned>(taken.size());
}

TEST(Admission, AdmitsUpToTheLimitAndRefusesBeyond) {
    LiveSettings settings(with_limit(3));
    AdmissionCounter counter(settings);
    std::vector<Admission> held;
    for (int i = 0; i < 3; ++i) {
        auto a = admit(counter, "192.0.2.1");
        ASSERT_TRUE(a.has_value()) << "connection " << i;
        EXPECT_EQ(a->host(), "192.0.2.1");
        held.push_back(std::move(*a));
    }
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
}

TEST(Admission, EachAddressHasPlacesOfItsOwn) {
    LiveSettings settings(with_limit(1));
    AdmissionCounter counter(settings);
    auto a = admit(counter, "192.0.2.1");
    ASSERT_TRUE(a.has_value());
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    auto b = admit(counter, "192.0.2.2");
    ASSERT_TRUE(b.has_value());
    auto c = admit(counter, "2001:db8::1");
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(admit(counter, "192.0.2.2").has_value());
}

TEST(Admission, ARefusalTakesNoPlace) {
    LiveSettings settings(with_limit(2));
    AdmissionCounter counter(settings);
    std::optional<Admission> first = admit(counter, "192.0.2.1");
    std::optional<Admission> second = admit(counter, "192.0.2.1");
    ASSERT_TRUE(first && second);
    for (int i = 0; i < 5; ++i)
        EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    first.reset();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
}

TEST(Admission, ADestroyedAdmissionGivesItsPlaceBackOnce) {
    LiveSettings settings(with_limit(2));
    AdmissionCounter counter(settings);
    auto keep = admit(counter, "192.0.2.1");
    ASSERT_TRUE(keep.has_value());
    {
        auto a = admit(counter, "192.0.2.1");
        ASSERT_TRUE(a.has_value());
        EXPECT_EQ(places_left(counter, "192.0.2.1"), 0u);
    }
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
    keep.reset();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 2u);
}

TEST(Admission, AMovedFromAdmissionGivesNothingBack) {
    LiveSettings settings(with_limit(2));
    AdmissionCounter counter(settings);
    auto keep = admit(counter, "192.0.2.1");
    ASSERT_TRUE(keep.has_value());
    std::optional<Admission> moved_to;
    {
        auto a = admit(counter, "192.0.2.1");
        ASSERT_TRUE(a.has_value());
        moved_to.emplace(std::move(*a));
        EXPECT_EQ(moved_to->host(), "192.0.2.1");
        // `a` still holds a (moved-from) Admission, destroyed here.
    }
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 0u);
    moved_to.reset();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
}

TEST(Admission, AMoveFollowsTheSocketThroughSeveralOwners) {
    LiveSettings settings(with_limit(1));
    AdmissionCounter counter(settings);
    auto a = admit(counter, "192.0.2.1");
    ASSERT_TRUE(a.has_value());
    // As a connection is handed from the port to a protocol and on to another.
    Admission first = std::move(*a);
    Admission second(std::move(first));
    Admission third;
    third = std::move(second);
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    a.reset();
    first = Admission();
    second = Admission();
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    third = Admission();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
}

TEST(Admission, AnAdmissionMovedIntoGivesBackWhatItHeldOnce) {
    LiveSettings settings(with_limit(3));
    AdmissionCounter counter(settings);
    auto a = admit(counter, "192.0.2.1");
    auto b = admit(counter, "192.0.2.1");
    auto other = admit(counter, "192.0.2.9");
    ASSERT_TRUE(a && b && other);
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
    // b's place is given back; a's moves into b.
    *b = std::move(*a);
    EXPECT_EQ(b->host(), "192.0.2.1");
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 2u);
    // Taking another address's place gives back this one's, and that one keeps its count.
    *b = std::move(*other);
    EXPECT_EQ(b->host(), "192.0.2.9");
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 3u);
    EXPECT_EQ(places_left(counter, "192.0.2.9"), 2u);
    a.reset();
    other.reset();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 3u);
    EXPECT_EQ(places_left(counter, "192.0.2.9"), 2u);
    b.reset();
    EXPECT_EQ(places_left(counter, "192.0.2.9"), 3u);
}

TEST(Admission, ADefaultAdmissionHoldsNoPlace) {
    LiveSettings settings(with_limit(1));
    AdmissionCounter counter(settings);
    auto a = admit(counter, "192.0.2.1");
    ASSERT_TRUE(a.has_value());
    {
        Admission none;
        Admission moved(std::move(none));
        EXPECT_EQ(moved.host(), "");
    }
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    // Emptied by assignment: the place goes back.
    *a = Admission();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
}

TEST(Admission, ZeroMeansNoLimit) {
    LiveSettings settings(with_limit(0));
    AdmissionCounter counter(settings);
    std::vector<Admission> held;
    for (int i = 0; i < 5000; ++i) {
        auto a = admit(counter, "192.0.2.1");
        ASSERT_TRUE(a.has_value()) << "connection " << i;
        held.push_back(std::move(*a));
    }
}

TEST(Admission, AReloadedLimitAppliesToTheNextConnection) {
    Config config = with_limit(3);
    LiveSettings settings(config);
    AdmissionCounter counter(settings);
    std::vector<Admission> held;
    for (int i = 0; i < 3; ++i)
        held.push_back(std::move(*admit(counter, "192.0.2.1")));
    settings.replace(with_limit(2), nullptr);
    // The connections there are stay; none more until fewer than two remain.
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    held.pop_back();
    EXPECT_FALSE(admit(counter, "192.0.2.1").has_value());
    held.pop_back();
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 1u);
    settings.replace(with_limit(0), nullptr);
    EXPECT_EQ(places_left(counter, "192.0.2.1"), 10'000u);
}

// ---- max_connections ----------------------------------------------------------------

Config with_total(unsigned total) {
    Config c;
    c.limits.max_connections = total;
    c.limits.max_connections_per_address = 0;
    return c;
}

TEST(Admission, WhenFullTheOldestStillInItsHandshakeIsShed) {
    LiveSettings settings(with_total(3));
    AdmissionCounter counter(settings);
    std::vector<std::string> woken;
    std::string why;
    auto first = counter.admit("192.0.2.1", why, [&] { woken.push_back("first"); });
    auto second = counter.admit("192.0.2.2", why, [&] { woken.push_back("second"); });
    auto third = counter.admit("192.0.2.3", why, [&] { woken.push_back("third"); });
    ASSERT_TRUE(first && second && third);
    first->settle(); // at work: never shed
    auto fourth = counter.admit("192.0.2.4", why);
    ASSERT_TRUE(fourth.has_value()) << why;
    EXPECT_EQ(woken, std::vector<std::string>{"second"});
    EXPECT_FALSE(first->shed());
    EXPECT_TRUE(second->shed());
    EXPECT_FALSE(third->shed());
    // Until the shed one is gone it still counts: the next one sheds the next oldest.
    auto fifth = counter.admit("192.0.2.5", why);
    ASSERT_TRUE(fifth.has_value()) << why;
    EXPECT_EQ(woken, (std::vector<std::string>{"second", "third"}));
}

TEST(Admission, WhenAllAreAtWorkTheNewOneIsRefused) {
    LiveSettings settings(with_total(2));
    AdmissionCounter counter(settings);
    std::string why;
    auto a = counter.admit("192.0.2.1", why);
    auto b = counter.admit("192.0.2.2", why);
    ASSERT_TRUE(a && b);
    a->settle();
    b->settle();
    EXPECT_FALSE(counter.admit("192.0.2.3", why).has_value());
    EXPECT_EQ(why,
              "the daemon holds 2 connections ([limits] max_connections), all of them at work");
    b.reset();
    EXPECT_TRUE(counter.admit("192.0.2.3", why).has_value());
}

TEST(Admission, AShedPlaceGoesBackOnceItsConnectionEnds) {
    LiveSettings settings(with_total(1));
    AdmissionCounter counter(settings);
    std::string why;
    auto old = counter.admit("192.0.2.1", why);
    auto newer = counter.admit("192.0.2.2", why);
    ASSERT_TRUE(old && newer);
    ASSERT_TRUE(old->shed());
    newer->settle();
    // The shed one has not ended yet, the newer is at work: no room.
    EXPECT_FALSE(counter.admit("192.0.2.3", why).has_value());
    old.reset();
    EXPECT_FALSE(counter.admit("192.0.2.3", why).has_value());
    newer.reset();
    EXPECT_TRUE(counter.admit("192.0.2.3", why).has_value());
}

// ---- what counts as one address ---------------------------------------------------------

std::string group_of(const char* text) {
    sockaddr_storage s{};
    if (::inet_pton(AF_INET, text, &reinterpret_cast<sockaddr_in*>(&s)->sin_addr) == 1) {
        s.ss_family = AF_INET;
    } else {
        s.ss_family = AF_INET6;
        EXPECT_EQ(::inet_pton(AF_INET6, text, &reinterpret_cast<sockaddr_in6*>(&s)->sin6_addr), 1)
            << text;
    }
    return admission_group(reinterpret_cast<const sockaddr*>(&s));
}

TEST(Admission, AnIpv6PeerCountsByItsSlash64) {
    EXPECT_EQ(group_of("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(group_of("::ffff:192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(group_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
    EXPECT_EQ(group_of("2001:db8:1:2::1"), "2001:db8:1:2::/64");
    EXPECT_EQ(group_of("2001:db8:1:3::1"), "2001:db8:1:3::/64");
    EXPECT_EQ(group_of("::1"), "::/64");
}

} // namespace
} // namespace streamd
