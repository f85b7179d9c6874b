// The native frame decoders on untrusted bytes. Every decoder either returns a frame that
// keeps the limits of docs/PROTOCOL.md or throws FrameError; a decoded frame encodes to
// bytes that decode to the same frame, and encoding that again gives the same bytes.
//
// The first input byte picks what is fed the rest:
//   1 … 11  the body decoder of that frame type
//   0       decode_preamble and decode_header on the first 8 bytes
//   0xF0    a stream of frames, header then body, as a receiver reads them; a CHUNK after
//           an OFFER is also checked against it
//   0xF1    check_chunk: a CHUNK body (24 bytes) followed by an OFFER body
#include "file_name.hpp"
#include "fuzz_check.hpp"
#include "native_frames.hpp"
#include "native_frames_selector.hpp"
#include "tree_manifest.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace streamd::proto {
namespace {

using Bytes = std::span<const uint8_t>;

// encode() writes a header; it must decode to the frame's type and the body's length.
Bytes encoded_body(const std::vector<uint8_t>& wire, FrameType type) {
    FUZZ_CHECK(wire.size() >= kHeaderSize);
    auto header = decode_header(std::span<const uint8_t, kHeaderSize>(wire.data(), kHeaderSize));
    FUZZ_CHECK(header.type == type);
    FUZZ_CHECK(header.length == wire.size() - kHeaderSize);
    return Bytes(wire).subspan(kHeaderSize);
}

// decode(encode(f)) == f and encode(decode(encode(f))) == encode(f).
template <typename Frame, typename Decode, typename Same>
void round_trip(const Frame& f, FrameType type, Decode decode, Same same) {
    std::vector<uint8_t> wire;
    encode(f, wire);
    Frame again = decode(encoded_body(wire, type));
    FUZZ_CHECK(same(f, again));
    std::vector<uint8_t> wire_again;
    encode(again, wire_again);
    FUZZ_CHECK(wire == wire_again);
}

void check_header(const FrameHeader& h) {
    auto type = static_cast<uint8_t>(h.type);
    FUZZ_CHECK(type >= static_cast<uint8_t>(FrameType::Welcome) &&
               type <= static_cast<uint8_t>(FrameType::Pull));
    FUZZ_CHECK(std::string_view(to_string(h.type)) != "UNKNOWN");
    FUZZ_CHECK(h.length <= kMaxBody);
}

void check(const Welcome& f) {
    round_trip(f, FrameType::Welcome, decode_welcome, [](auto& a, auto& b) {
        return a.version == b.version && a.auth_method == b.auth_method && a.nonce == b.nonce;
    });
}

void check(const Auth& f) {
    round_trip(f, FrameType::Auth, decode_auth,
               [](auto& a, auto& b) { return a.proof == b.proof; });
}

void check(const Offer& f, Bytes body) {
    FUZZ_CHECK(f.stream_count >= 1 && f.stream_count <= kMaxStreams);
    FUZZ_CHECK(f.chunk_size >= kMinChunk && f.chunk_size <= kMaxChunk);
    FUZZ_CHECK(f.chunk_size % 4096 == 0);
    FUZZ_CHECK(f.size <= static_cast<uint64_t>(INT64_MAX));
    FUZZ_CHECK(f.mode <= 0777);
    FUZZ_CHECK(f.mtime_nsec < 1'000'000'000);
    FUZZ_CHECK(f.digest == DigestAlgorithm::None || f.digest == DigestAlgorithm::Xxh3 ||
               f.digest == DigestAlgorithm::Xxh32);
    const size_t tail = f.kind == OfferKind::Tree ? 12 : 0;
    FUZZ_CHECK(f.kind == OfferKind::File || f.kind == OfferKind::Tree);
    FUZZ_CHECK(f.kind == OfferKind::File ||
               (f.manifest_length >= 4 && f.manifest_length <= kMaxManifest));
    FUZZ_CHECK(f.name.size() + 56 + tail == body.size());
    FUZZ_CHECK(std::memcmp(f.name.data(), body.data() + 56, f.name.size()) == 0);
    // chunk_count() must not wrap for any size the decoder lets through.
    FUZZ_CHECK(f.chunk_count() >= f.size / f.chunk_size);
    FUZZ_CHECK(f.chunk_count() * f.chunk_size >= f.size);
    // The decoder leaves the name to the receiver (ERROR BAD_NAME), which refuses every
    // name that is not a safe bare file name, its length limit included.
    FUZZ_CHECK(!name_problem(f.name) == fuzz::safe_bare_name(f.name));
    round_trip(f, FrameType::Offer, decode_offer, [](auto& a, auto& b) {
        return a.id == b.id && a.stream_count == b.stream_count && a.chunk_size == b.chunk_size &&
               a.size == b.size && a.mode == b.mode && a.mtime_sec == b.mtime_sec &&
               a.mtime_nsec == b.mtime_nsec && a.digest == b.digest && a.name == b.name;
    });
}

void check(const Join& f) {
    FUZZ_CHECK(f.count >= 1 && f.count <= kMaxStreams);
    FUZZ_CHECK(f.index < f.count);
    round_trip(f, FrameType::Join, decode_join, [](auto& a, auto& b) {
        return a.id == b.id && a.index == b.index && a.count == b.count;
    });
}

void check(const Accept& f, Bytes body) {
    FUZZ_CHECK(body.size() == 20 + 16 * f.missing.size());
    for (const auto& r : f.missing) {
        FUZZ_CHECK(r.length > 0);
        FUZZ_CHECK(r.offset + r.length > r.offset);
    }
    round_trip(f, FrameType::Accept, decode_accept,
               [](auto& a, auto& b) { return a.id == b.id && a.missing == b.missing; });
}

void check(const Error& f) {
    FUZZ_CHECK(f.message.size() <= kMaxMessage);
    // Shown to people as one line.
    for (char c : f.message)
        FUZZ_CHECK(static_cast<uint8_t>(c) >= 0x20 && c != 0x7f);
    (void)to_string(f.code);
    round_trip(f, FrameType::Error, decode_error,
               [](auto& a, auto& b) { return a.code == b.code && a.message == b.message; });
}

void check(const Chunk& f) {
    FUZZ_CHECK((f.flags & ~kChunkHole) == 0);
    FUZZ_CHECK(f.length > 0);
    FUZZ_CHECK(f.data_length() == (f.hole() ? 0 : f.length));
    round_trip(f, FrameType::Chunk, decode_chunk, [](auto& a, auto& b) {
        return a.offset == b.offset && a.length == b.length && a.flags == b.flags &&
               a.digest == b.digest;
    });
}

void check(const ChunkAck& f) {
    FUZZ_CHECK(f.status == AckStatus::Ok || f.status == AckStatus::BadDigest);
    round_trip(f, FrameType::ChunkAck, decode_chunk_ack,
               [](auto& a, auto& b) { return a.offset == b.offset && a.status == b.status; });
}

void check(const Finish& f) {
    round_trip(f, FrameType::Finish, decode_finish,
               [](auto& a, auto& b) { return a.digest == b.digest; });
}

void check(const Done& f) {
    FUZZ_CHECK(fuzz::safe_bare_name(f.name));
    round_trip(f, FrameType::Done, decode_done, [](auto& a, auto& b) { return a.name == b.name; });
}

void check(const Cancel& f) {
    round_trip(f, FrameType::Cancel, decode_cancel, [](auto& a, auto& b) { return a.id == b.id; });
}

void check(const Pull& f) {
    FUZZ_CHECK(f.port != 0 && f.stream_count <= kMaxStreams);
    FUZZ_CHECK(f.chunk_size == 0 || valid_chunk_size(f.chunk_size));
    round_trip(f, FrameType::Pull, decode_pull, [](auto& a, auto& b) { return a == b; });
}

// A chunk the receiver takes for a transfer lies inside the file, on a chunk boundary, and
// is as long as the chunk size allows there: it can never write outside the file.
void check_chunk_of(const Chunk& c, const Offer& offer) {
    try {
        check_chunk(c, offer);
    } catch (const FrameError&) {
        return;
    }
    FUZZ_CHECK(c.offset < offer.size);
    FUZZ_CHECK(c.offset % offer.chunk_size == 0);
    FUZZ_CHECK(c.length <= offer.chunk_size);
    FUZZ_CHECK(c.length <= offer.size - c.offset);
    FUZZ_CHECK(c.length == offer.chunk_size || c.offset + c.length == offer.size);
    FUZZ_CHECK(c.offset / offer.chunk_size < offer.chunk_count());
}

// Decodes one body of the given type; throws FrameError like the decoders.
void decode_body(FrameType type, Bytes body, std::optional<Offer>& offer) {
    switch (type) {
    case FrameType::Welcome:
        check(decode_welcome(body));
        break;
    case FrameType::Auth:
        check(decode_auth(body));
        break;
    case FrameType::Offer: {
        auto f = decode_offer(body);
        check(f, body);
        offer = f;
        break;
    }
    case FrameType::Join:
        check(decode_join(body));
        break;
    case FrameType::Accept:
        check(decode_accept(body), body);
        break;
    case FrameType::Error:
        check(decode_error(body));
        break;
    case FrameType::Chunk: {
        auto f = decode_chunk(body);
        check(f);
        if (offer) check_chunk_of(f, *offer);
        break;
    }
    case FrameType::ChunkAck:
        check(decode_chunk_ack(body));
        break;
    case FrameType::Finish:
        check(decode_finish(body));
        break;
    case FrameType::Done:
        check(decode_done(body));
        break;
    case FrameType::Cancel:
        check(decode_cancel(body));
        break;
    case FrameType::Pull:
        check(decode_pull(body));
        break;
    case FrameType::Manifest: {
        const auto piece = decode_manifest_piece(body);
        FUZZ_CHECK(!piece.empty() && piece.data() == body.data() && piece.size() == body.size());
        break;
    }
    }
}

void preamble_and_header(Bytes in) {
    if (in.size() < kHeaderSize) return;
    std::span<const uint8_t, kHeaderSize> first(in.data(), kHeaderSize);
    try {
        uint16_t version = decode_preamble(first);
        FUZZ_CHECK(has_magic(first));
        auto again = encode_preamble(version);
        FUZZ_CHECK(std::equal(again.begin(), again.begin() + 6, in.begin()));
    } catch (const FrameError&) {
        FUZZ_CHECK(!has_magic(first));
    }
    try {
        check_header(decode_header(first));
    } catch (const FrameError&) {
    }
}

void frame_stream(Bytes in) {
    std::optional<Offer> offer;
    while (in.size() >= kHeaderSize) {
        auto header = decode_header(std::span<const uint8_t, kHeaderSize>(in.data(), kHeaderSize));
        check_header(header);
        in = in.subspan(kHeaderSize);
        if (in.size() < header.length) return; // the peer has not sent the rest yet
        decode_body(header.type, in.first(header.length), offer);
        in = in.subspan(header.length);
    }
}

void chunk_against_offer(Bytes in) {
    if (in.size() < kChunkBodySize) return;
    auto chunk = decode_chunk(in.first(kChunkBodySize));
    auto offer_body = in.subspan(kChunkBodySize);
    auto offer = decode_offer(offer_body);
    check(offer, offer_body);
    check_chunk_of(chunk, offer);
}

} // namespace
} // namespace streamd::proto

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd::proto;
    if (size == 0) return 0;
    uint8_t selector = data[0];
    Bytes rest(data + 1, size - 1);
    // A copy of exactly the bytes given, so that ASan sees any read past them.
    std::vector<uint8_t> owned(rest.begin(), rest.end());
    Bytes body(owned);
    try {
        if (selector >= static_cast<uint8_t>(FrameType::Welcome) &&
            selector <= static_cast<uint8_t>(FrameType::Manifest)) {
            std::optional<Offer> no_offer;
            decode_body(static_cast<FrameType>(selector), body, no_offer);
        } else if (selector == kSelectPreamble) {
            preamble_and_header(body);
        } else if (selector == kSelectFrameStream) {
            frame_stream(body);
        } else if (selector == kSelectChunkAgainstOffer) {
            chunk_against_offer(body);
        }
    } catch (const FrameError& e) {
        FUZZ_CHECK(e.what()[0] != '\0');
    }
    return 0;
}
