// The first input byte of native_frames_fuzz: which decoder gets the rest. Frame types
// (1 … 12) pick that type's body decoder; these pick the others.
#pragma once

#include <cstdint>

inline constexpr uint8_t kSelectPreamble = 0;
inline constexpr uint8_t kSelectFrameStream = 0xF0;
inline constexpr uint8_t kSelectChunkAgainstOffer = 0xF1;
