// Writes the seed corpus of native_frames_fuzz: valid frames made by the encoders, each
// prefixed with the selector byte that native_frames_fuzz reads first. Run once by hand
// when the frames change: native_frames_seeds tests/fuzz/corpus/native_frames_fuzz
#include "native_frames.hpp"
#include "native_frames_selector.hpp"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace streamd::proto;

std::filesystem::path out_dir;

void write(const std::string& name, uint8_t selector, const std::vector<uint8_t>& bytes) {
    std::ofstream f(out_dir / name, std::ios::binary);
    f.put(static_cast<char>(selector));
    f.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

// The body alone, for the selector that names its decoder.
template <typename Frame> void body(const std::string& name, const Frame& f) {
    std::vector<uint8_t> wire;
    encode(f, wire);
    std::vector<uint8_t> b(wire.begin() + kHeaderSize, wire.end());
    write(name, wire[0], b);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
        return 2;
    }
    out_dir = argv[1];
    std::filesystem::create_directories(out_dir);

    TransferId id{};
    for (size_t i = 0; i < id.size(); ++i)
        id[i] = static_cast<uint8_t>(0xA0 + i);

    Welcome welcome;
    welcome.nonce.fill(0x5A);
    Auth auth;
    auth.proof.fill(0x11);
    Offer offer;
    offer.id = id;
    offer.stream_count = 8;
    offer.chunk_size = 4 * 1024 * 1024;
    offer.size = 10 * 1024 * 1024 + 123;
    offer.mode = 0640;
    offer.mtime_sec = 1700000000;
    offer.mtime_nsec = 500;
    offer.name = "report 2024.pdf";
    Offer unicode = offer;
    unicode.name = "Ünïcödé ファイル.txt";
    unicode.digest = DigestAlgorithm::None;
    unicode.chunk_size = 64 * 1024;
    unicode.size = 0;
    Offer tree = offer;
    tree.kind = OfferKind::Tree;
    tree.name = "photos";
    tree.manifest_length = 4096 + 10;
    tree.manifest_digest = 0x0011223344556677ULL;
    const std::vector<uint8_t> manifest_bytes(4096, 0x5A);
    ManifestPiece piece{manifest_bytes};
    Join join{id, 3, 8};
    Accept accept{id, {{0, 4 * 1024 * 1024}, {8 * 1024 * 1024, 2 * 1024 * 1024 + 123}}};
    Accept accept_join{id, {}};
    Error error{ErrorCode::BadName, "the name contains '/'"};
    Chunk chunk{4 * 1024 * 1024, 4 * 1024 * 1024, 0, 0x0123456789abcdefULL};
    Chunk last{8 * 1024 * 1024, 2 * 1024 * 1024 + 123, 0, 42};
    Chunk hole{0, 4 * 1024 * 1024, kChunkHole, 0};
    ChunkAck ack{4 * 1024 * 1024, AckStatus::Ok};
    ChunkAck nack{0, AckStatus::BadDigest};
    Finish finish;
    finish.digest.fill(0xEE);
    Done done{"report 2024 (1).pdf"};

    body("welcome", welcome);
    body("auth", auth);
    body("offer", offer);
    body("offer_unicode_empty_file", unicode);
    body("offer_tree", tree);
    body("manifest", piece);
    body("join", join);
    body("accept", accept);
    body("accept_for_join", accept_join);
    body("error", error);
    body("chunk", chunk);
    body("chunk_hole", hole);
    body("chunk_ack", ack);
    body("chunk_ack_bad_digest", nack);
    body("finish", finish);
    body("done", done);

    auto preamble = encode_preamble();
    write("preamble", 0, {preamble.begin(), preamble.end()});
    std::vector<uint8_t> header;
    encode(join, header);
    header.resize(kHeaderSize);
    write("header", 0, header);

    // A sender's side of a whole transfer on stream 0, and a receiver's replies.
    std::vector<uint8_t> sender;
    encode(offer, sender);
    encode(chunk, sender);
    encode(last, sender);
    encode(hole, sender);
    encode(finish, sender);
    write("stream_sender", kSelectFrameStream, sender);
    std::vector<uint8_t> tree_sender;
    encode(tree, tree_sender);
    encode(piece, tree_sender);
    encode(ManifestPiece{std::span(manifest_bytes).first(10)}, tree_sender);
    encode(chunk, tree_sender);
    write("stream_tree_sender", kSelectFrameStream, tree_sender);
    std::vector<uint8_t> receiver;
    encode(welcome, receiver);
    encode(accept, receiver);
    encode(ack, receiver);
    encode(nack, receiver);
    encode(done, receiver);
    write("stream_receiver", kSelectFrameStream, receiver);
    std::vector<uint8_t> puller;
    encode(Auth{}, puller);
    encode(Pull{id, 7740, 4, 1024 * 1024, "photos", "photos 2024"}, puller);
    write("stream_puller", kSelectFrameStream, puller);
    std::vector<uint8_t> refused;
    encode(welcome, refused);
    encode(error, refused);
    write("stream_refused", kSelectFrameStream, refused);

    // check_chunk: the chunk's body, then the offer's.
    for (const auto& [name, c] :
         {std::pair{"check_chunk_middle", chunk}, std::pair{"check_chunk_last", last},
          std::pair{"check_chunk_hole", hole}}) {
        std::vector<uint8_t> wire;
        encode(c, wire);
        std::vector<uint8_t> bytes(wire.begin() + kHeaderSize, wire.end());
        std::vector<uint8_t> offer_wire;
        encode(offer, offer_wire);
        bytes.insert(bytes.end(), offer_wire.begin() + kHeaderSize, offer_wire.end());
        write(name, kSelectChunkAgainstOffer, bytes);
    }
    return 0;
}
