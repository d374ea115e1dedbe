#pragma once
/// \file viz/viz.hpp
/// Umbrella of the viz component (needs fmt; GIF and PNG writers need giflib / libpng and
/// report gif_available / png_available).

#include "color.hpp"
#include "env_frames.hpp"
#include "frame.hpp"
#include "gif.hpp"
#include "image.hpp"
#include "png.hpp"
#include "progress.hpp"
#include "svg.hpp"
#include "terminal.hpp"
