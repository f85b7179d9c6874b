// The user_data of every submission: a completion must come back to the operation and
// the connection that asked for it, and one that outlived its connection must not be
// taken for the next connection in the same slot.
#include "engine/completion_tag.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <vector>

namespace streamd {
namespace {

std::vector<Op> every_op() {
    std::vector<Op> ops;
    for (auto op = static_cast<unsigned>(Op::Wake); op <= static_cast<unsigned>(kLastConnectionOp);
         ++op)
        ops.push_back(static_cast<Op>(op));
    return ops;
}

TEST(CompletionTag, EveryOpSurvivesARoundTripWithItsSlotAndGeneration) {
    const uint32_t slots[] = {0, 1, 0x1234, 0x7FFFFFFF, 0xFFFFFFFF};
    const uint32_t generations[] = {0, 1, 0xABCDEF, CompletionTag::kGenerationMask};
    for (Op op : every_op()) {
        for (uint32_t slot : slots) {
            for (uint32_t generation : generations) {
                const auto back =
                    CompletionTag::decode(CompletionTag{op, slot, generation}.encode());
                EXPECT_EQ(back.op, op) << int(op) << " " << slot << " " << generation;
                EXPECT_EQ(back.slot, slot) << int(op) << " " << slot << " " << generation;
                EXPECT_EQ(back.generation, generation)
                    << int(op) << " " << slot << " " << generation;
            }
        }
    }
}

TEST(CompletionTag, DifferentOpsSlotsAndGenerationsGiveDifferentUserData) {
    const auto base = CompletionTag{Op::Recv, 7, 3}.encode();
    EXPECT_NE(base, (CompletionTag{Op::Send, 7, 3}.encode()));
    EXPECT_NE(base, (CompletionTag{Op::Recv, 8, 3}.encode()));
    EXPECT_NE(base, (CompletionTag{Op::Recv, 7, 4}.encode()));
}

TEST(CompletionTag, AWorkersOwnOpIsNotAConnectionOp) {
    for (Op op : every_op()) {
        const bool connection = op == Op::Connect || op == Op::Handshake || op == Op::Recv ||
                                op == Op::Send || op == Op::FileRead || op == Op::SocketWrite ||
                                op == Op::SocketRead || op == Op::FileWrite || op == Op::Drain ||
                                op == Op::ChunkSync || op == Op::CommitSync || op == Op::Pause;
        EXPECT_EQ(CompletionTag{op}.is_connection_op(), connection) << int(op);
        EXPECT_EQ(CompletionTag::decode(CompletionTag{op, 5, 9}.encode()).is_connection_op(),
                  connection)
            << int(op);
    }
}

TEST(CompletionTag, AGenerationBeyondTheMaskTravelsAsItsLowBits) {
    const uint32_t generation = 0x5ABCDEF1; // more than 24 bits
    const auto back = CompletionTag::decode(CompletionTag{Op::SocketRead, 42, generation}.encode());
    EXPECT_EQ(back.op, Op::SocketRead);
    EXPECT_EQ(back.slot, 42u);
    EXPECT_EQ(back.generation, generation & CompletionTag::kGenerationMask);
    // The high bits of a generation must not spill into the op.
    const auto all_ones = CompletionTag::decode(CompletionTag{Op::Wake, 0, 0xFFFFFFFF}.encode());
    EXPECT_EQ(all_ones.op, Op::Wake);
    EXPECT_EQ(all_ones.generation, CompletionTag::kGenerationMask);
}

TEST(CompletionTag, NamesTheSlotsGenerationComparedOnlyInItsLowBits) {
    const uint32_t generation = 0x01000005; // the slot's counter, past 24 bits
    const auto tag = CompletionTag::decode(CompletionTag{Op::Recv, 3, generation}.encode());
    EXPECT_TRUE(tag.names(generation));
    EXPECT_TRUE(tag.names(0x00000005));
    EXPECT_TRUE(tag.names(0x7F000005));
    // The next connection in the same slot.
    EXPECT_FALSE(tag.names(generation + 1));
    EXPECT_FALSE(tag.names(0x00000004));
    EXPECT_FALSE(tag.names(0x01000105));
}

TEST(CompletionTag, TheSlotIsKeptWholeAndApartFromTheGeneration) {
    const auto full_slot =
        CompletionTag::decode(CompletionTag{Op::FileWrite, 0xFFFFFFFF, 0}.encode());
    EXPECT_EQ(full_slot.slot, 0xFFFFFFFFu);
    EXPECT_EQ(full_slot.generation, 0u);
    EXPECT_EQ(full_slot.op, Op::FileWrite);
    const auto full_generation = CompletionTag::decode(
        CompletionTag{Op::FileWrite, 0, CompletionTag::kGenerationMask}.encode());
    EXPECT_EQ(full_generation.slot, 0u);
    EXPECT_EQ(full_generation.generation, CompletionTag::kGenerationMask);
    // A slot above 2^24 is not cut to the generation's width.
    const auto high_slot = CompletionTag::decode(CompletionTag{Op::Drain, 0x01000001, 1}.encode());
    EXPECT_EQ(high_slot.slot, 0x01000001u);
}

TEST(CompletionTag, TheLayoutIsOpGenerationSlotFromTheTop) {
    // Other code (and a reader of a kernel trace) may rely on where each part sits.
    EXPECT_EQ((CompletionTag{Op::Recv, 0x11223344, 0x556677}.encode()),
              uint64_t{static_cast<uint8_t>(Op::Recv)} << 56 | uint64_t{0x556677} << 32 |
                  0x11223344);
}

} // namespace
} // namespace streamd
