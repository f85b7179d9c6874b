#include "send_source.hpp"

#include "failure.hpp"
#include "file_name.hpp"
#include "size_units.hpp"
#include "source_file.hpp"
#include "terminal_text.hpp"
#include "tree_manifest.hpp"

#include <sys/stat.h>

namespace streamd::ctl {

namespace {

std::string offered_name(const std::string& path, std::string own,
                         const std::optional<std::string>& as) {
    if (as) return *as;
    // Checked here as well as by the daemon, to point at the way out.
    if (auto problem = proto::name_problem(own))
        throw Failure("cannot offer '" + printable(path) + "' under its own name: " + *problem +
                      "; choose another with --as NAME");
    return own;
}

bool is_folder(const std::string& path) {
    struct stat st {};
    // What cannot be looked at is left to the open, which says why.
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

} // namespace

SendSource open_send_source(const std::string& path, const std::optional<std::string>& as) {
    SendSource s;
    s.path = path;
    if (!is_folder(path)) {
        s.file = open_source_file(path);
        s.name = offered_name(path, proto::bare_name(path), as);
        return s;
    }
    // Named before it is walked, which may take long, only to find the name unsendable.
    s.name = offered_name(path, folder_name(path), as);
    s.tree = scan_source_tree(path);
    s.manifest = proto::encode_manifest(s.tree->manifest);
    // The receiver refuses a larger one; better said before anything is queued.
    if (s.manifest.size() > proto::kMaxManifest)
        throw Failure("'" + path + "' holds too much to go as one folder: the list of its " +
                      std::to_string(s.tree->manifest.entries.size()) + " entries takes " +
                      proto::format_size(s.manifest.size()) + ", more than " +
                      proto::format_size(proto::kMaxManifest));
    return s;
}

std::vector<std::string> skip_warnings(const SendSource& source) {
    std::vector<std::string> lines;
    if (!source.tree) return lines;
    for (const SourceTree::Skipped& s : source.tree->skipped)
        lines.push_back("skipping '" + printable(path_in_folder(source.path, s.path)) +
                        "': " + printable(s.why));
    return lines;
}

} // namespace streamd::ctl
