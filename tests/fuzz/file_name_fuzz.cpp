// Names from the network. name_problem must accept exactly the safe bare file names of
// docs/PROTOCOL.md (compared with an independent statement of the rules), and what the
// receiver makes of an accepted name (the "name (n).ext" it picks on a clash) must be a
// safe bare name too. bare_name, the sender's side, never leaves a '/' in a name.
#include "file_name.hpp"
#include "fuzz_check.hpp"
#include "storage/storage.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd;
    std::string name(reinterpret_cast<const char*>(data), size);

    auto problem = proto::name_problem(name);
    bool safe = fuzz::safe_bare_name(name);
    FUZZ_CHECK(problem.has_value() != safe);
    if (problem) FUZZ_CHECK(!problem->empty());

    if (!problem) {
        FUZZ_CHECK(name.size() <= proto::kMaxName);
        FUZZ_CHECK(name.find('/') == std::string::npos);
        FUZZ_CHECK(name.find('\0') == std::string::npos);
        FUZZ_CHECK(name != "." && name != "..");
        for (unsigned n : {1u, 2u, 10u, 123u, 9999u}) {
            // It may equal `name` itself (a long name that already ends in " (n)" is cut
            // back to the same bytes); the rename loop then just moves on to n + 1.
            std::string other = conflict_name(name, n);
            FUZZ_CHECK(fuzz::safe_bare_name(other));
            FUZZ_CHECK(!proto::name_problem(other));
        }
    }

    std::string bare = proto::bare_name(name);
    FUZZ_CHECK(bare.find('/') == std::string::npos);
    if (name.find('/') == std::string::npos) FUZZ_CHECK(bare == name);
    return 0;
}
