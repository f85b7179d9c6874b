#include "transfer/transfer_log.hpp"

namespace streamd {

std::vector<std::string> journal_fields(const Transfer& t) {
    std::vector<std::string> fields{
        "TRANSFER_ID=" + std::to_string(t.id()),
        std::string("DIRECTION=") + to_string(t.direction()),
        "PEER=" + t.peer(),
        "BYTES=" + std::to_string(t.bytes_done()),
    };
    if (t.finished()) fields.push_back(std::string("RESULT=") + to_string(t.state()));
    return fields;
}

} // namespace streamd
