#include "transfer/durable_commit.hpp"

#include <cstring>

namespace streamd {

DurableCommit::DurableCommit(std::shared_ptr<IncomingTransfer> transfer,
                             const proto::FileDigest& digest)
    : transfer_(std::move(transfer)) {
    transfer_->seal(digest); // a tree's files are synced there, all at once
    if (transfer_->syncs() && !transfer_->tree()) {
        sync_fd_ = transfer_->file();
        return;
    }
    file_synced_ = true;
    stored_ = transfer_->place();
    if (transfer_->syncs()) sync_fd_ = transfer_->folder();
}

void DurableCommit::synced(int res) {
    if (res < 0) {
        // The file keeps its partial name, or has its final one without the folder on
        // disk saying so; either way the sender is not told that it arrived.
        throw Refusal{proto::ErrorCode::IoError,
                      std::string(file_synced_ ? "cannot sync the incoming folder: "
                                               : "cannot write the file: ") +
                          std::strerror(-res)};
    }
    if (file_synced_) {
        sync_fd_ = -1;
        return;
    }
    file_synced_ = true;
    stored_ = transfer_->place();
    sync_fd_ = transfer_->folder();
}

} // namespace streamd
