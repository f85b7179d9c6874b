// Puts a received file in place so that the sender hears it arrived only once that
// survives a power cut: the file's data and metadata synced (a tree's with one sync of
// its file system), then the rename into place, then the folder synced
// (docs/DURABILITY.md). The connection runs each sync on its ring
// (Op::CommitSync) and reports back; without [storage] sync nothing waits.
#pragma once

#include "native_frames.hpp"
#include "transfer/incoming_transfer.hpp"

#include <memory>
#include <string>

namespace streamd {

class DurableCommit {
public:
    // Checks the whole-file digest and gives the file its mode and mtime; throws Refusal.
    DurableCommit(std::shared_ptr<IncomingTransfer> transfer, const proto::FileDigest& digest);

    const std::shared_ptr<IncomingTransfer>& transfer() const { return transfer_; }
    // The descriptor to sync before the next step, or -1 once the file is in place for
    // good.
    int pending_sync() const { return sync_fd_; }
    // The sync of pending_sync() came back with `res` (0 or -errno); throws Refusal.
    void synced(int res);
    // The name the file got, once nothing is pending.
    const std::string& stored() const { return stored_; }

private:
    std::shared_ptr<IncomingTransfer> transfer_;
    bool file_synced_ = false;
    int sync_fd_ = -1;
    std::string stored_;
};

} // namespace streamd
