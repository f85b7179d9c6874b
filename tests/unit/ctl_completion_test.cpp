// The bash completion for streamctl, run by a real bash the way bash runs it: COMP_WORDS
// and COMP_CWORD set, the function called, COMPREPLY read back.

#include "temp_dir.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Words = std::vector<std::string>;

// The script in the source tree: from STREAMD_SOURCE_ROOT under `meson test`; otherwise
// the tree this test was built from, since meson names sources relative to the build
// directory, which holds this binary in tests/unit/.
std::optional<fs::path> completion_script() {
    const fs::path in_tree = fs::path("ctl") / "completion" / "streamctl";
    if (const char* root = std::getenv("STREAMD_SOURCE_ROOT"); root && *root)
        return fs::path(root) / in_tree;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return std::nullopt;
    fs::path source = __FILE__;
    if (source.is_relative()) source = exe.parent_path().parent_path().parent_path() / source;
    const fs::path script = source.parent_path().parent_path().parent_path() / in_tree;
    if (!fs::exists(script)) return std::nullopt;
    return script;
}

// Runs `bash -c SCRIPT bash ARGS...` and returns its standard output.
std::string run_bash(const std::string& script, const Words& args) {
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork");
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        std::vector<char*> argv{const_cast<char*>("bash"), const_cast<char*>("-c"),
                                const_cast<char*>(script.c_str()), const_cast<char*>("bash")};
        for (const std::string& a : args)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        ::execvp("bash", argv.data());
        ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(out[0], buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        ADD_FAILURE() << "bash failed with status " << status;
    return text;
}

class CtlCompletion : public ::testing::Test {
protected:
    void SetUp() override {
        script_ = completion_script();
        if (!script_) GTEST_SKIP() << "the completion script was not found";
        // A stand-in for streamctl that answers `list --no-legend` as the real one does,
        // and notes how it was called.
        fake_ = dir_ / "streamctl";
        std::ofstream(fake_) << "#!/bin/sh\n"
                             << "echo \"$*\" >> '" << (dir_ / "calls").string() << "'\n"
                             << "if [ \"$1\" = --user ]; then\n"
                             << "  echo '7  in  running  a  p  1 B  0%  0 B/s'\n"
                             << "else\n"
                             << "  echo ' 3  out  done     x  h  1 B  100%  -'\n"
                             << "  echo '12  out  running  y  h  1 B   50%  1 B/s'\n"
                             << "fi\n";
        fs::permissions(fake_, fs::perms::owner_all);
    }

    // What completing the last of `words` offers, sorted.
    Words complete(Words words) {
        const std::string driver = "source \"$1\" || exit 99\n"
                                   "shift\n"
                                   "COMP_WORDS=(\"$@\")\n"
                                   "COMP_CWORD=$(( $# - 1 ))\n"
                                   "COMP_LINE=\"$*\"\n"
                                   "COMP_POINT=${#COMP_LINE}\n"
                                   "_streamctl\n"
                                   "(( ${#COMPREPLY[@]} )) && printf '%s\\n' \"${COMPREPLY[@]}\"\n"
                                   "exit 0\n";
        words.insert(words.begin(), script_->string());
        Words offered;
        const std::string out = run_bash(driver, words);
        size_t start = 0;
        while (start < out.size()) {
            const size_t end = out.find('\n', start);
            offered.push_back(out.substr(start, end - start));
            start = end + 1;
        }
        std::sort(offered.begin(), offered.end());
        return offered;
    }

    std::string calls() {
        std::ifstream in(dir_ / "calls");
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    std::optional<fs::path> script_;
    streamd::fixtures::TempDir dir_{"streamctl-completion"};
    fs::path fake_;
};

} // namespace

TEST_F(CtlCompletion, Commands) {
    EXPECT_EQ(complete({"streamctl", ""}), (Words{"cancel", "get", "help", "list", "reload", "send",
                                                  "stats", "status", "watch"}));
    EXPECT_EQ(complete({"streamctl", "st"}), (Words{"stats", "status"}));
    EXPECT_EQ(complete({"streamctl", "--user", "c"}), Words{"cancel"});
    EXPECT_EQ(complete({"streamctl", "help", "w"}), Words{"watch"});
    EXPECT_EQ(complete({"streamctl", "help", "send", ""}), Words{});
    // HOST and NAME are on another machine: nothing here to offer.
    EXPECT_EQ(complete({"streamctl", "get", ""}), Words{});
    EXPECT_EQ(complete({"streamctl", "get", "--"}),
              (Words{"--as", "--chunk-size", "--help", "--no-block", "--streams", "--user",
                     "--version"}));
}

TEST_F(CtlCompletion, GlobalOptionsBeforeTheCommand) {
    EXPECT_EQ(complete({"streamctl", "--"}), (Words{"--help", "--user", "--version"}));
    EXPECT_EQ(complete({"streamctl", "-"}), (Words{"--help", "--user", "--version", "-h"}));
}

TEST_F(CtlCompletion, EachCommandItsOwnOptions) {
    EXPECT_EQ(complete({"streamctl", "list", "--"}),
              (Words{"--help", "--json", "--json=pretty", "--no-legend", "--user", "--version"}));
    EXPECT_EQ(complete({"streamctl", "send", "--s"}), Words{"--streams"});
    EXPECT_EQ(complete({"streamctl", "send", "f", "--"}),
              (Words{"--as", "--chunk-size", "--help", "--no-block", "--rate", "--streams",
                     "--user", "--version"}));
    EXPECT_EQ(complete({"streamctl", "watch", "--j"}), (Words{"--json", "--json=pretty"}));
    EXPECT_EQ(complete({"streamctl", "status", "--j"}), (Words{"--json", "--json=pretty"}));
    EXPECT_EQ(complete({"streamctl", "cancel", "--j"}), Words{});
    // Options given before the command count for the command after it.
    EXPECT_EQ(complete({"streamctl", "--user", "stats", "--n"}), Words{});
}

TEST_F(CtlCompletion, JsonValue) {
    // Bash splits "--json=" at the '=' (COMP_WORDBREAKS).
    EXPECT_EQ(complete({"streamctl", "list", "--json", "=", ""}), Words{"pretty"});
    EXPECT_EQ(complete({"streamctl", "list", "--json", "=", "p"}), Words{"pretty"});
    EXPECT_EQ(complete({"streamctl", "list", "--json", "="}), Words{"pretty"});
}

TEST_F(CtlCompletion, OptionValuesAreNotCompleted) {
    EXPECT_EQ(complete({"streamctl", "send", "--streams", ""}), Words{});
    EXPECT_EQ(complete({"streamctl", "send", "--as", ""}), Words{});
}

TEST_F(CtlCompletion, SendCompletesFileNames) {
    std::ofstream(dir_ / "alpha.bin") << "a";
    std::ofstream(dir_ / "alpine tar.gz") << "b";
    std::ofstream(dir_ / "beta.bin") << "c";
    const std::string prefix = (dir_ / "al").string();
    EXPECT_EQ(complete({"streamctl", "send", prefix}),
              (Words{(dir_ / "alpha.bin").string(), (dir_ / "alpine tar.gz").string()}));
    // After an option and its value, and after other files.
    EXPECT_EQ(complete({"streamctl", "send", "--streams", "4", "x", prefix + "ph"}),
              Words{(dir_ / "alpha.bin").string()});
}

TEST_F(CtlCompletion, TransferIdsFromList) {
    EXPECT_EQ(complete({fake_.string(), "status", ""}), (Words{"12", "3"}));
    EXPECT_EQ(complete({fake_.string(), "cancel", "1"}), Words{"12"});
    EXPECT_EQ(complete({fake_.string(), "watch", ""}), (Words{"12", "3"}));
    EXPECT_EQ(calls(), "list --no-legend\nlist --no-legend\nlist --no-legend\n");
}

TEST_F(CtlCompletion, TransferIdsFromTheSameBus) {
    EXPECT_EQ(complete({fake_.string(), "--user", "status", ""}), Words{"7"});
    EXPECT_EQ(complete({fake_.string(), "cancel", "--user", ""}), Words{"7"});
    EXPECT_EQ(calls(), "--user list --no-legend\n--user list --no-legend\n");
}

TEST_F(CtlCompletion, WatchTakesOneId) {
    EXPECT_EQ(complete({fake_.string(), "watch", "3", ""}), Words{});
    EXPECT_EQ(complete({fake_.string(), "status", "3", ""}), (Words{"12", "3"}));
}
