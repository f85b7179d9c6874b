// One transfer on the bus: /org/streamd/Streamd1/transfer/<id>, interface
// org.streamd.Streamd1.Transfer (docs/DBUS.md).
#pragma once

#include "control/bus_names.hpp"
#include "control/dbus_service.hpp"
#include "transfer/outgoing_transfer.hpp"
#include "transfer/transfer.hpp"
#include "transfer_adaptor.hpp"

#include <chrono>
#include <cmath>
#include <memory>
#include <sdbus-c++/sdbus-c++.h>
#include <string>

namespace streamd {

class BusTransfer final
    : public sdbus::AdaptorInterfaces<org::streamd::Streamd1::Transfer_adaptor> {
public:
    BusTransfer(sdbus::IConnection& bus, std::shared_ptr<Transfer> t, DbusService& service)
        : AdaptorInterfaces(bus, transfer_path(t->id())), t_(std::move(t)), service_(service),
          last_bytes_(t_->bytes_done()), last_state_(t_->state()),
          last_files_done_(t_->files_done()) {
        registerAdaptor();
    }
    ~BusTransfer() { unregisterAdaptor(); }

    const Transfer& transfer() const { return *t_; }
    bool settled() const { return settled_; }
    // 0 from the moment it ends, not from the next sample on.
    uint64_t rate() const { return t_->finished() ? 0 : static_cast<uint64_t>(rate_); }

    // Samples progress and announces what changed; the final state is announced once,
    // after which the object is settled.
    void tick(std::chrono::duration<double> dt) {
        auto state = t_->state();
        uint64_t bytes = t_->bytes_done();
        // A sender's count starts again from what the receiver has at every ACCEPT, so it
        // may go back (a receiver that lost power): the rate then is 0, not a wrapped
        // difference.
        double instant = dt.count() > 0 && bytes > last_bytes_
                             ? static_cast<double>(bytes - last_bytes_) / dt.count()
                             : 0;
        // Smooth over about a second so that the rate does not flicker at every tick.
        rate_ = Transfer::is_final(state) ? 0 : 0.5 * rate_ + 0.5 * instant;
        std::vector<std::string> changed;
        if (bytes != last_bytes_) changed.push_back("BytesDone");
        const uint32_t files_done = t_->files_done();
        if (files_done != last_files_done_) changed.push_back("FilesDone");
        last_files_done_ = files_done;
        if (state != last_state_)
            changed.insert(changed.end(), {"State", "Error", "StoredName", "StartedAt",
                                           "FinishedAt", "Encryption"});
        changed.insert(changed.end(), {"Rate", "Eta"});
        last_bytes_ = bytes;
        last_state_ = state;
        getObject().emitPropertiesChangedSignal(INTERFACE_NAME, changed);
        settled_ = Transfer::is_final(state);
    }

private:
    void Cancel() override {
        service_.cancel(t_->id(), getObject().getCurrentlyProcessedMessage());
    }

    uint32_t Id() override { return t_->id(); }
    std::string Direction() override { return to_string(t_->direction()); }
    std::string Name() override { return t_->name(); }
    std::string Peer() override { return t_->peer(); }
    uint64_t Size() override { return t_->size(); }
    uint32_t Streams() override { return t_->streams(); }
    uint32_t ChunkSize() override { return t_->chunk_size(); }
    uint64_t MaxRate() override {
        if (t_->direction() == Direction::In) return 0;
        return static_cast<OutgoingTransfer&>(*t_).rate_limit().rate();
    }
    uint64_t CreatedAt() override { return t_->created_at(); }
    std::string State() override { return to_string(t_->state()); }
    uint64_t BytesDone() override { return t_->bytes_done(); }
    uint32_t Files() override { return t_->files(); }
    uint32_t FilesDone() override { return t_->files_done(); }
    std::vector<sdbus::Struct<std::string, std::string>> Skipped() override {
        std::vector<sdbus::Struct<std::string, std::string>> out;
        out.reserve(t_->skipped().size());
        for (const auto& s : t_->skipped())
            out.emplace_back(s.path, s.reason);
        return out;
    }
    uint64_t Rate() override { return rate(); }
    uint64_t Eta() override {
        uint64_t done = t_->bytes_done();
        if (t_->finished() || rate_ < 1 || done >= t_->size()) return 0;
        return static_cast<uint64_t>(std::round(static_cast<double>(t_->size() - done) / rate_));
    }
    std::string StoredName() override { return t_->stored_name(); }
    uint64_t StartedAt() override { return t_->started_at(); }
    uint64_t FinishedAt() override { return t_->finished_at(); }
    std::string Error() override { return t_->error(); }
    std::string Encryption() override { return t_->encryption(); }

    std::shared_ptr<Transfer> t_;
    DbusService& service_;
    uint64_t last_bytes_;
    TransferState last_state_;
    uint32_t last_files_done_;
    double rate_ = 0;
    bool settled_ = false;
};

} // namespace streamd
