#include "transfer/transfer_queue.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>

namespace streamd {
namespace {

std::shared_ptr<OutgoingTransfer> queued(uint32_t id) {
    proto::Offer offer;
    offer.name = "f" + std::to_string(id);
    offer.size = 0;
    offer.chunk_size = 1 << 20;
    offer.stream_count = 1;
    return std::make_shared<OutgoingTransfer>(id,
                                              SourceData(UniqueFd(::open("/dev/null", O_RDONLY))),
                                              offer, Destination{"localhost", 7740});
}

std::vector<uint32_t> ids(const std::vector<std::shared_ptr<OutgoingTransfer>>& v) {
    std::vector<uint32_t> out;
    for (const auto& t : v)
        out.push_back(t->id());
    return out;
}

TEST(TransferQueue, StartsAtMostMaxActiveInOrder) {
    TransferQueue q;
    for (uint32_t id = 1; id <= 5; ++id)
        q.push(queued(id));
    EXPECT_EQ(ids(q.take_startable(4)), (std::vector<uint32_t>{1, 2, 3, 4}));
    EXPECT_TRUE(q.take_startable(4).empty());
    EXPECT_EQ(q.waiting(), 1u);
    EXPECT_EQ(q.active(), 4u);
    q.ended(3);
    EXPECT_EQ(ids(q.take_startable(4)), (std::vector<uint32_t>{5}));
    EXPECT_EQ(q.waiting(), 0u);
}

TEST(TransferQueue, EndOfAnUnknownOrWaitingIdFreesNoSlot) {
    TransferQueue q;
    q.push(queued(1));
    q.push(queued(2));
    ASSERT_EQ(ids(q.take_startable(1)), (std::vector<uint32_t>{1}));
    q.ended(2); // still waiting: it held no slot
    q.ended(99);
    EXPECT_TRUE(q.take_startable(1).empty());
    q.ended(1);
    EXPECT_EQ(ids(q.take_startable(1)), (std::vector<uint32_t>{2}));
}

TEST(TransferQueue, RemovedAndCanceledOnesAreSkipped) {
    TransferQueue q;
    auto a = queued(1), b = queued(2), c = queued(3);
    q.push(a);
    q.push(b);
    q.push(c);
    EXPECT_TRUE(q.remove(1));
    EXPECT_FALSE(q.remove(1));
    b->cancel("canceled by root");
    EXPECT_EQ(ids(q.take_startable(4)), (std::vector<uint32_t>{3}));
    EXPECT_EQ(q.active(), 1u);
}

TEST(TransferQueue, LargerLimitStartsMore) {
    TransferQueue q;
    for (uint32_t id = 1; id <= 3; ++id)
        q.push(queued(id));
    EXPECT_EQ(q.take_startable(1).size(), 1u);
    EXPECT_EQ(q.take_startable(3).size(), 2u);
}

} // namespace
} // namespace streamd
