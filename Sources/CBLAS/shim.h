// OpenBLAS's CBLAS interface from Debian's libopenblas-dev (the pthread build).
// Included by its own path so a reference libblas-dev installed alongside cannot shadow it.
#include <x86_64-linux-gnu/openblas-pthread/cblas.h>
