#ifndef YOLO_THREAD_PLACEMENT_H
#define YOLO_THREAD_PLACEMENT_H

/// The CPU the calling thread is running on, or -1 where that is unknown.
int yolo_current_cpu(void);

/// Writes the CPUs the calling thread may run on (its affinity mask) to `cpus`, at most
/// `capacity` of them in increasing order, and returns how many there are (0 on failure).
int yolo_allowed_cpus(int *cpus, int capacity);

/// Restricts the calling thread to CPU `cpu`; 0 on success.
int yolo_pin_current_thread(int cpu);

#endif
