// Where a mover (file to socket, socket to file) stands after one of its completions.
#pragma once

namespace streamd {

enum class Step { Going, Done, Failed };

} // namespace streamd
