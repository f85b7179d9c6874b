#include "native_frames.hpp"

#include "file_name.hpp"
#include "tree_manifest.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>

namespace streamd::proto {

namespace {

// Fixed body sizes; 0 means variable (checked by the decoder against kMaxBody).
constexpr size_t kWelcomeSize = 36;
constexpr size_t kAuthSize = 32;
constexpr size_t kOfferFixed = 56;
constexpr size_t kJoinSize = 20;
constexpr size_t kAcceptFixed = 20;
constexpr size_t kErrorFixed = 4;
constexpr size_t kAckSize = 16;
constexpr size_t kFinishSize = 16;
constexpr size_t kDoneFixed = 2;
constexpr size_t kCancelSize = 16;
constexpr size_t kPullFixed = 28;
constexpr size_t kOfferTreeTail = 12; // manifest length and digest, after the name

// Reserves the header, lets `body` write, then fills in the length.
template <typename F> void frame(FrameType type, std::vector<uint8_t>& out, F&& body) {
    size_t start = out.size();
    Writer w(out);
    w.u8(static_cast<uint8_t>(type));
    w.zeros(3);
    w.u32(0);
    body(w);
    auto len = static_cast<uint32_t>(out.size() - start - kHeaderSize);
    for (int i = 0; i < 4; ++i)
        out[start + 4 + i] = static_cast<uint8_t>(len >> (8 * (3 - i)));
}

void expect_size(std::span<const uint8_t> body, size_t size, const char* what) {
    if (body.size() != size)
        throw FrameError(std::string(what) + " body has " + std::to_string(body.size()) +
                         " bytes, expected " + std::to_string(size));
}

void expect_end(const Reader& r, const char* what) {
    if (r.remaining() != 0)
        throw FrameError(std::string(what) + " body has " + std::to_string(r.remaining()) +
                         " trailing bytes");
}

template <size_t N> std::array<uint8_t, N> fixed(Reader& r) {
    std::array<uint8_t, N> a{};
    auto b = r.bytes(N);
    std::copy(b.begin(), b.end(), a.begin());
    return a;
}

} // namespace

std::array<uint8_t, kPreambleSize> encode_preamble(uint16_t version) {
    return {kMagic[0],
            kMagic[1],
            kMagic[2],
            kMagic[3],
            static_cast<uint8_t>(version >> 8),
            static_cast<uint8_t>(version),
            0,
            0};
}

bool has_magic(std::span<const uint8_t> first_bytes) {
    size_t n = std::min(first_bytes.size(), kMagic.size());
    return n > 0 && std::equal(first_bytes.begin(), first_bytes.begin() + n, kMagic.begin());
}

uint16_t decode_preamble(std::span<const uint8_t, kPreambleSize> in) {
    if (!has_magic(in)) throw FrameError("not a streamd native connection (bad magic)");
    Reader r(in.subspan(4));
    return r.u16();
}

void encode(const Welcome& f, std::vector<uint8_t>& out) {
    frame(FrameType::Welcome, out, [&](Writer& w) {
        w.u16(f.version);
        w.u8(f.auth_method);
        w.u8(0);
        w.bytes(f.nonce);
    });
}

void encode(const Auth& f, std::vector<uint8_t>& out) {
    frame(FrameType::Auth, out, [&](Writer& w) { w.bytes(f.proof); });
}

void encode(const Offer& f, std::vector<uint8_t>& out) {
    frame(FrameType::Offer, out, [&](Writer& w) {
        w.bytes(f.id);
        w.u16(f.stream_count);
        w.u16(0);
        w.u32(f.chunk_size);
        w.u64(f.size);
        w.u32(f.mode);
        w.u32(0);
        w.u64(static_cast<uint64_t>(f.mtime_sec));
        w.u32(f.mtime_nsec);
        w.u8(static_cast<uint8_t>(f.digest));
        w.u8(static_cast<uint8_t>(f.kind));
        w.short_string(f.name);
        if (f.kind == OfferKind::Tree) {
            w.u32(f.manifest_length);
            w.u64(f.manifest_digest);
        }
    });
}

void encode(const Join& f, std::vector<uint8_t>& out) {
    frame(FrameType::Join, out, [&](Writer& w) {
        w.bytes(f.id);
        w.u16(f.index);
        w.u16(f.count);
    });
}

void encode(const Accept& f, std::vector<uint8_t>& out) {
    frame(FrameType::Accept, out, [&](Writer& w) {
        w.bytes(f.id);
        w.u32(static_cast<uint32_t>(f.missing.size()));
        for (const auto& r : f.missing) {
            w.u64(r.offset);
            w.u64(r.length);
        }
    });
}

void encode(const Error& f, std::vector<uint8_t>& out) {
    std::string_view msg(f.message);
    if (msg.size() > kMaxMessage) {
        // Cut on a character boundary: the message is shown to people.
        size_t n = kMaxMessage;
        while (n > 0 && (static_cast<unsigned char>(msg[n]) & 0xC0) == 0x80)
            --n;
        msg = msg.substr(0, n);
    }
    frame(FrameType::Error, out, [&](Writer& w) {
        w.u16(static_cast<uint16_t>(f.code));
        w.short_string(msg);
    });
}

void encode(const Chunk& f, std::vector<uint8_t>& out) {
    frame(FrameType::Chunk, out, [&](Writer& w) {
        w.u64(f.offset);
        w.u32(f.length);
        w.u32(f.flags);
        w.u64(f.digest);
    });
}

void encode(const ChunkAck& f, std::vector<uint8_t>& out) {
    frame(FrameType::ChunkAck, out, [&](Writer& w) {
        w.u64(f.offset);
        w.u8(static_cast<uint8_t>(f.status));
        w.zeros(7);
    });
}

void encode(const Finish& f, std::vector<uint8_t>& out) {
    frame(FrameType::Finish, out, [&](Writer& w) { w.bytes(f.digest); });
}

void encode(const Done& f, std::vector<uint8_t>& out) {
    frame(FrameType::Done, out, [&](Writer& w) { w.short_string(f.name); });
}

std::vector<uint8_t> encode_offer_body(const Offer& f) {
    std::vector<uint8_t> frame;
    encode(f, frame);
    return {frame.begin() + kHeaderSize, frame.end()};
}

void encode(const Cancel& f, std::vector<uint8_t>& out) {
    frame(FrameType::Cancel, out, [&](Writer& w) { w.bytes(f.id); });
}

void encode(const ManifestPiece& f, std::vector<uint8_t>& out) {
    frame(FrameType::Manifest, out, [&](Writer& w) { w.bytes(f.bytes); });
}

void encode(const Pull& f, std::vector<uint8_t>& out) {
    frame(FrameType::Pull, out, [&](Writer& w) {
        w.bytes(f.id);
        w.u16(f.port);
        w.u16(f.stream_count);
        w.u32(f.chunk_size);
        w.short_string(f.name);
        w.short_string(f.offer_as);
    });
}

FrameHeader decode_header(std::span<const uint8_t, kHeaderSize> in) {
    Reader r(in);
    uint8_t type = r.u8();
    r.skip(3);
    uint32_t length = r.u32();
    if (type < static_cast<uint8_t>(FrameType::Welcome) ||
        type > static_cast<uint8_t>(FrameType::Pull))
        throw FrameError("unknown frame type " + std::to_string(type));
    if (length > kMaxBody)
        throw FrameError(std::string(to_string(static_cast<FrameType>(type))) + " body of " +
                         std::to_string(length) + " bytes exceeds the limit of " +
                         std::to_string(kMaxBody));
    return {static_cast<FrameType>(type), length};
}

Welcome decode_welcome(std::span<const uint8_t> body) {
    expect_size(body, kWelcomeSize, "WELCOME");
    Reader r(body);
    Welcome f;
    f.version = r.u16();
    f.auth_method = r.u8();
    r.skip(1);
    f.nonce = fixed<32>(r);
    return f;
}

Auth decode_auth(std::span<const uint8_t> body) {
    expect_size(body, kAuthSize, "AUTH");
    Reader r(body);
    return {fixed<32>(r)};
}

Offer decode_offer(std::span<const uint8_t> body) {
    if (body.size() < kOfferFixed) throw FrameError("OFFER body is truncated");
    Reader r(body);
    Offer f;
    f.id = fixed<16>(r);
    f.stream_count = r.u16();
    r.skip(2);
    f.chunk_size = r.u32();
    f.size = r.u64();
    f.mode = r.u32() & 0777;
    r.skip(4);
    f.mtime_sec = static_cast<int64_t>(r.u64());
    f.mtime_nsec = r.u32();
    uint8_t digest = r.u8();
    uint8_t kind = r.u8();
    if (kind > static_cast<uint8_t>(OfferKind::Tree))
        throw FrameError("OFFER kind " + std::to_string(kind) + " is unknown");
    f.kind = static_cast<OfferKind>(kind);
    const size_t after_name = f.kind == OfferKind::Tree ? kOfferTreeTail : 0;
    uint16_t name_len = r.u16();
    if (size_t{name_len} + after_name != r.remaining())
        throw FrameError("OFFER name length " + std::to_string(name_len) + " does not match the " +
                         std::to_string(r.remaining()) + " bytes that follow");
    f.name = r.string(name_len);
    if (f.kind == OfferKind::Tree) {
        f.manifest_length = r.u32();
        f.manifest_digest = r.u64();
        // At least the entry count; at most what a receiver is asked to hold.
        if (f.manifest_length < 4 || f.manifest_length > kMaxManifest)
            throw FrameError("OFFER manifest length " + std::to_string(f.manifest_length) +
                             " is outside 4.." + std::to_string(kMaxManifest));
    }

    if (f.stream_count == 0 || f.stream_count > kMaxStreams)
        throw FrameError("OFFER stream count " + std::to_string(f.stream_count) +
                         " is outside 1.." + std::to_string(kMaxStreams));
    if (!valid_chunk_size(f.chunk_size))
        throw FrameError("OFFER chunk size " + std::to_string(f.chunk_size) +
                         " is not a multiple of 4096 between 64 KiB and 256 MiB");
    if (f.mtime_nsec >= 1'000'000'000) throw FrameError("OFFER mtime nanoseconds out of range");
    if (digest > static_cast<uint8_t>(DigestAlgorithm::Xxh32))
        throw FrameError("OFFER digest algorithm " + std::to_string(digest) + " is unknown");
    f.digest = static_cast<DigestAlgorithm>(digest);
    if (f.size > static_cast<uint64_t>(INT64_MAX))
        throw FrameError("OFFER file size is out of range");
    return f;
}

Join decode_join(std::span<const uint8_t> body) {
    expect_size(body, kJoinSize, "JOIN");
    Reader r(body);
    Join f;
    f.id = fixed<16>(r);
    f.index = r.u16();
    f.count = r.u16();
    if (f.count == 0 || f.count > kMaxStreams || f.index >= f.count)
        throw FrameError("JOIN stream " + std::to_string(f.index) + " of " +
                         std::to_string(f.count) + " is out of range");
    return f;
}

Accept decode_accept(std::span<const uint8_t> body) {
    if (body.size() < kAcceptFixed) throw FrameError("ACCEPT body is truncated");
    Reader r(body);
    Accept f;
    f.id = fixed<16>(r);
    uint32_t n = r.u32();
    if (r.remaining() != size_t{n} * 16)
        throw FrameError("ACCEPT range count " + std::to_string(n) + " does not match its body");
    f.missing.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
        Range range{r.u64(), r.u64()};
        if (range.length == 0 || range.offset + range.length < range.offset)
            throw FrameError("ACCEPT range is empty or wraps around");
        f.missing.push_back(range);
    }
    return f;
}

Error decode_error(std::span<const uint8_t> body) {
    if (body.size() < kErrorFixed) throw FrameError("ERROR body is truncated");
    Reader r(body);
    Error f;
    f.code = static_cast<ErrorCode>(r.u16());
    uint16_t len = r.u16();
    if (len > kMaxMessage || len != r.remaining())
        throw FrameError("ERROR message length does not match its body");
    f.message = r.string(len);
    // The message is shown to people: keep it one printable line.
    for (char& c : f.message)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    return f;
}

Chunk decode_chunk(std::span<const uint8_t> body) {
    expect_size(body, kChunkBodySize, "CHUNK");
    Reader r(body);
    Chunk f;
    f.offset = r.u64();
    f.length = r.u32();
    f.flags = r.u32();
    f.digest = r.u64();
    if (f.flags & ~kChunkHole) throw FrameError("CHUNK has unknown flags");
    if (f.length == 0) throw FrameError("CHUNK is empty");
    return f;
}

ChunkAck decode_chunk_ack(std::span<const uint8_t> body) {
    expect_size(body, kAckSize, "CHUNK_ACK");
    Reader r(body);
    ChunkAck f;
    f.offset = r.u64();
    uint8_t status = r.u8();
    if (status > static_cast<uint8_t>(AckStatus::BadDigest))
        throw FrameError("CHUNK_ACK status " + std::to_string(status) + " is unknown");
    f.status = static_cast<AckStatus>(status);
    return f;
}

Finish decode_finish(std::span<const uint8_t> body) {
    expect_size(body, kFinishSize, "FINISH");
    Reader r(body);
    return {fixed<16>(r)};
}

Done decode_done(std::span<const uint8_t> body) {
    if (body.size() < kDoneFixed) throw FrameError("DONE body is truncated");
    Reader r(body);
    uint16_t len = r.u16();
    if (len != r.remaining()) throw FrameError("DONE name length does not match its body");
    Done f{r.string(len)};
    if (auto problem = name_problem(f.name)) throw FrameError("DONE name is unsafe: " + *problem);
    expect_end(r, "DONE");
    return f;
}

Cancel decode_cancel(std::span<const uint8_t> body) {
    expect_size(body, kCancelSize, "CANCEL");
    Reader r(body);
    return Cancel{fixed<16>(r)};
}

Pull decode_pull(std::span<const uint8_t> body) {
    if (body.size() < kPullFixed) throw FrameError("PULL body is truncated");
    Reader r(body);
    Pull f;
    f.id = fixed<16>(r);
    f.port = r.u16();
    f.stream_count = r.u16();
    f.chunk_size = r.u32();
    const uint16_t name_len = r.u16();
    if (size_t{name_len} + 2 > r.remaining())
        throw FrameError("PULL name length " + std::to_string(name_len) + " is more than the " +
                         std::to_string(r.remaining()) + " bytes that follow");
    f.name = r.string(name_len);
    const uint16_t as_len = r.u16();
    if (as_len != r.remaining())
        throw FrameError("PULL second name length " + std::to_string(as_len) +
                         " does not match the " + std::to_string(r.remaining()) +
                         " bytes that follow");
    f.offer_as = r.string(as_len);
    if (f.port == 0) throw FrameError("PULL port is 0");
    if (f.stream_count > kMaxStreams)
        throw FrameError("PULL stream count " + std::to_string(f.stream_count) + " is above " +
                         std::to_string(kMaxStreams));
    if (f.chunk_size != 0 && !valid_chunk_size(f.chunk_size))
        throw FrameError("PULL chunk size " + std::to_string(f.chunk_size) +
                         " is neither 0 nor a multiple of 4096 between 64 KiB and 256 MiB");
    return f;
}

std::span<const uint8_t> decode_manifest_piece(std::span<const uint8_t> body) {
    if (body.empty()) throw FrameError("MANIFEST body is empty");
    return body;
}

void check_chunk(const Chunk& c, const Offer& offer) {
    if (c.offset >= offer.size || c.offset % offer.chunk_size != 0)
        throw FrameError("CHUNK offset " + std::to_string(c.offset) +
                         " is not a chunk boundary inside the file");
    uint64_t expected = std::min<uint64_t>(offer.chunk_size, offer.size - c.offset);
    if (c.length != expected)
        throw FrameError("CHUNK at offset " + std::to_string(c.offset) + " has length " +
                         std::to_string(c.length) + ", expected " + std::to_string(expected));
}

const char* to_string(FrameType t) {
    switch (t) {
    case FrameType::Welcome:
        return "WELCOME";
    case FrameType::Auth:
        return "AUTH";
    case FrameType::Offer:
        return "OFFER";
    case FrameType::Join:
        return "JOIN";
    case FrameType::Accept:
        return "ACCEPT";
    case FrameType::Error:
        return "ERROR";
    case FrameType::Chunk:
        return "CHUNK";
    case FrameType::ChunkAck:
        return "CHUNK_ACK";
    case FrameType::Finish:
        return "FINISH";
    case FrameType::Done:
        return "DONE";
    case FrameType::Manifest:
        return "MANIFEST";
    case FrameType::Cancel:
        return "CANCEL";
    case FrameType::Pull:
        return "PULL";
    }
    return "UNKNOWN";
}

const char* to_string(ErrorCode c) {
    switch (c) {
    case ErrorCode::UnsupportedVersion:
        return "UNSUPPORTED_VERSION";
    case ErrorCode::AuthRequired:
        return "AUTH_REQUIRED";
    case ErrorCode::BadFrame:
        return "BAD_FRAME";
    case ErrorCode::BadName:
        return "BAD_NAME";
    case ErrorCode::TooLarge:
        return "TOO_LARGE";
    case ErrorCode::Exists:
        return "EXISTS";
    case ErrorCode::UnknownTransfer:
        return "UNKNOWN_TRANSFER";
    case ErrorCode::IoError:
        return "IO_ERROR";
    case ErrorCode::DigestMismatch:
        return "DIGEST_MISMATCH";
    case ErrorCode::Busy:
        return "BUSY";
    case ErrorCode::Internal:
        return "INTERNAL";
    case ErrorCode::Canceled:
        return "CANCELED";
    case ErrorCode::EncryptionRequired:
        return "ENCRYPTION_REQUIRED";
    case ErrorCode::NotFound:
        return "NOT_FOUND";
    }
    return "UNKNOWN";
}

std::string to_hex(std::span<const uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        s.push_back(digits[b >> 4]);
        s.push_back(digits[b & 15]);
    }
    return s;
}

bool from_hex(std::string_view hex, std::span<uint8_t> out) {
    if (hex.size() != 2 * out.size()) return false;
    for (size_t i = 0; i < out.size(); ++i) {
        // from_chars takes no sign or "0x" for an unsigned type, so only the two digits pass.
        const char* first = hex.data() + 2 * i;
        const auto result = std::from_chars(first, first + 2, out[i], 16);
        if (result.ec != std::errc{} || result.ptr != first + 2) return false;
    }
    return true;
}

} // namespace streamd::proto
