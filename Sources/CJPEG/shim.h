// libjpeg-turbo's TurboJPEG API from Debian's libturbojpeg0-dev: errors come back as return
// codes, so no setjmp/longjmp error handler is needed on the Swift side.
#include <turbojpeg.h>
