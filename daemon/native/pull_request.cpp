#include "native/pull_request.hpp"

#include <cstring>
#include <utility>

namespace streamd {

namespace {
// The serving daemon answers a PULL at once, after one look at its incoming folder.
constexpr std::chrono::seconds kAnswerTimeout{30};
} // namespace

PullRequest::PullRequest(Worker& worker, Transfers& transfers, proto::Pull pull, std::string peer,
                         std::vector<PeerAddress> addresses, Answer answer)
    : OutgoingConnection(worker, transfers), pull_(std::move(pull)), peer_(std::move(peer)),
      addresses_(std::move(addresses)), answer_(std::move(answer)) {}

PullRequest::~PullRequest() {
    if (answer_) answer_("the connection to " + peer_ + " ended before it answered");
}

void PullRequest::welcomed() {
    send_frame(pull_);
}

void PullRequest::on_peer_frame(const proto::FrameHeader& h, std::span<const uint8_t> body) {
    if (h.type == proto::FrameType::Error) return answer(proto::decode_error(body).message);
    if (h.type != proto::FrameType::Accept)
        throw proto::FrameError(std::string("unexpected ") + proto::to_string(h.type) + " frame");
    if (proto::decode_accept(body).id != pull_.id)
        throw proto::FrameError("ACCEPT names another transfer");
    answer({});
}

void PullRequest::ended(int res) {
    answer("the connection to " + peer_ + " " +
           (res == 0 ? std::string("was closed before it answered")
                     : std::string("broke: ") + std::strerror(-res)));
}

void PullRequest::check_time(Clock::time_point now) {
    if (now - started_at_ >= kAnswerTimeout)
        answer(peer_ + " did not answer within " + std::to_string(kAnswerTimeout.count()) + " s");
}

void PullRequest::answer(const std::string& refusal) {
    if (auto answer = std::exchange(answer_, nullptr)) answer(refusal);
    close();
}

} // namespace streamd
