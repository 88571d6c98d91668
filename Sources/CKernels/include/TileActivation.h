#ifndef YOLO_TILE_ACTIVATION_H
#define YOLO_TILE_ACTIVATION_H

/// The activation a C tile applies to its sums before it stores them (SiLU and sigmoid within
/// 4 float32 ulp of the exact values).
enum { YOLO_TILE_IDENTITY = 0, YOLO_TILE_SILU = 1, YOLO_TILE_SIGMOID = 2 };

#endif
