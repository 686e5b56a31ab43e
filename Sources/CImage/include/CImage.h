#ifndef PRN_CIMAGE_H
#define PRN_CIMAGE_H

#include <stddef.h>

/* PNG and JPEG decoding and encoding for prn's image-folder datasets.
 *
 * libpng and libjpeg report errors by longjmp. Every setjmp is inside these C functions, so a
 * longjmp never crosses a Swift frame: each function returns 0 on success, or a nonzero code with
 * the library's message copied into `message`. */

enum {
    PRN_IMAGE_OK = 0,
    PRN_IMAGE_UNKNOWN_FORMAT = 1,  /* neither PNG nor JPEG by its first bytes */
    PRN_IMAGE_CORRUPT = 2,         /* the library refused the data, or warned about it */
    PRN_IMAGE_UNSUPPORTED = 3,     /* e.g. a CMYK JPEG */
    PRN_IMAGE_BUFFER = 4,          /* the caller's buffer does not match the image */
    PRN_IMAGE_NO_MEMORY = 5,
};

typedef struct {
    int width;
    int height;
    /* Channels as stored once alpha is dropped: 1 (grayscale) or 3 (colour). */
    int channels;
    /* "PNG" or "JPEG". */
    const char *format;
} prn_image_info;

/* Reads only the header. */
int prn_image_probe(const unsigned char *bytes, size_t size, prn_image_info *info,
                    char *message, size_t message_size);

/* Decodes to 8-bit pixels, row-major, interleaved, converted to `channels` (1 or 3);
 * `pixels` must hold exactly width * height * channels bytes. */
int prn_image_decode(const unsigned char *bytes, size_t size, int channels, unsigned char *pixels,
                     size_t pixels_size, prn_image_info *info, char *message, size_t message_size);

/* Encodes 8-bit interleaved pixels (1 or 3 channels); *out is malloc'd, release it with prn_image_free. */
int prn_png_encode(const unsigned char *pixels, int width, int height, int channels,
                   unsigned char **out, size_t *out_size, char *message, size_t message_size);
int prn_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                    unsigned char **out, size_t *out_size, char *message, size_t message_size);
void prn_image_free(void *pointer);

#endif
