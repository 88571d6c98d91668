// libpng 1.6 from Debian's libpng-dev (its simplified png_image API reports errors in a
// message buffer instead of longjmp).
#include <png.h>
