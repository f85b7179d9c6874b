#include "transfer/transfers.hpp"

#include "transfer/transfer_log.hpp"

namespace streamd {

bool Transfers::fail_incoming(IncomingTransfer& t, const std::string& peer, Failure kind,
                              const std::string& reason) {
    if (!t.fail(kind, reason)) return false;
    log_transfer(spdlog::level::warn, t, "receiving {} from {} failed: {}", t.name(), peer, reason);
    registry().forget_incoming(t.offer().id);
    close_transfer(t.id());
    return true;
}

void Transfers::stream_left(IncomingTransfer& t, const std::string& peer) {
    if (!t.detach_stream()) return;
    registry().forget_incoming(t.offer().id);
    log_transfer(spdlog::level::warn, t, "receiving {} from {} failed: {}", t.name(), peer,
                 t.error());
}

Failure failure_of(proto::ErrorCode code) {
    using proto::ErrorCode;
    switch (code) {
    case ErrorCode::UnsupportedVersion:
    case ErrorCode::BadFrame:
        return Failure::Protocol;
    case ErrorCode::AuthRequired:
    case ErrorCode::EncryptionRequired:
        return Failure::Authentication;
    case ErrorCode::TooLarge:
    case ErrorCode::IoError:
        return Failure::Storage;
    case ErrorCode::DigestMismatch:
        return Failure::Verification;
    case ErrorCode::BadName:
    case ErrorCode::Exists:
    case ErrorCode::UnknownTransfer:
    case ErrorCode::Busy:
    case ErrorCode::Internal:
    case ErrorCode::Canceled:
    case ErrorCode::NotFound:
        break;
    }
    return Failure::Refused;
}

} // namespace streamd
