#include "CImage.h"
#include "codec_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* libpng calls this on any error; the longjmp lands in the C function that called setjmp. */
static void png_fail(png_structp png, png_const_charp text) {
    prn_codec_state *state = (prn_codec_state *)png_get_error_ptr(png);
    prn_codec_message(state, text);
    longjmp(state->jump, 1);
}

/* Warnings (a bad CRC in an ancillary chunk, ...) are treated as errors: a damaged file is refused. */
static void png_warn(png_structp png, png_const_charp text) {
    png_fail(png, text);
}

typedef struct {
    const unsigned char *bytes;
    size_t size;
    size_t at;
} png_source;

static void png_read_memory(png_structp png, png_bytep out, size_t length) {
    png_source *source = (png_source *)png_get_io_ptr(png);
    if (length > source->size - source->at) png_error(png, "the file ends early (truncated)");
    memcpy(out, source->bytes + source->at, length);
    source->at += length;
}

int prn_png_read(const unsigned char *bytes, size_t size, int channels, unsigned char *pixels,
                 size_t pixels_size, prn_image_info *info, char *message, size_t message_size) {
    prn_codec_state state;
    prn_codec_init(&state, message, message_size);
    png_source source = {bytes, size, 0};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, png_fail, png_warn);
    if (!png) return prn_codec_error(&state, PRN_IMAGE_NO_MEMORY, "libpng could not start");
    png_infop png_info = png_create_info_struct(png);
    if (!png_info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return prn_codec_error(&state, PRN_IMAGE_NO_MEMORY, "libpng could not start");
    }
    /* Nothing whose value changes after setjmp is read after a longjmp except `state` (static
     * storage duration is not needed: it is only written through pointers before the jump). */
    if (setjmp(state.jump)) {
        png_destroy_read_struct(&png, &png_info, NULL);
        return state.code ? state.code : PRN_IMAGE_CORRUPT;
    }
    png_set_read_fn(png, &source, png_read_memory);
    /* No dataset image needs more; bigger claims are refused before any allocation. */
    png_set_user_limits(png, 1u << 16, 1u << 16);
    png_read_info(png, png_info);
    png_uint_32 width = png_get_image_width(png, png_info);
    png_uint_32 height = png_get_image_height(png, png_info);
    int color = png_get_color_type(png, png_info);
    int stored = (color & PNG_COLOR_MASK_COLOR) ? 3 : 1;
    info->width = (int)width;
    info->height = (int)height;
    info->channels = stored;
    info->format = "PNG";
    if (channels == 0) {
        png_destroy_read_struct(&png, &png_info, NULL);
        return PRN_IMAGE_OK;
    }
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    if (channels == 3 && stored == 1) png_set_gray_to_rgb(png);
    if (channels == 1 && stored == 3) png_set_rgb_to_gray_fixed(png, 1, -1, -1);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, png_info);
    size_t row_bytes = png_get_rowbytes(png, png_info);
    if (row_bytes != (size_t)width * (size_t)channels || pixels_size != row_bytes * (size_t)height) {
        state.code = PRN_IMAGE_BUFFER;
        png_error(png, "the decoded rows do not match the expected size");
    }
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < height; y++) png_read_row(png, pixels + (size_t)y * row_bytes, NULL);
    }
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &png_info, NULL);
    return PRN_IMAGE_OK;
}

typedef struct {
    unsigned char *data;
    size_t size;
    size_t capacity;
    int failed;
} png_sink;

static void png_write_memory(png_structp png, png_bytep data, size_t length) {
    png_sink *sink = (png_sink *)png_get_io_ptr(png);
    if (sink->size + length > sink->capacity) {
        size_t capacity = (sink->capacity + length) * 2;
        unsigned char *grown = realloc(sink->data, capacity);
        if (!grown) {
            sink->failed = 1;
            png_error(png, "out of memory");
        }
        sink->data = grown;
        sink->capacity = capacity;
    }
    memcpy(sink->data + sink->size, data, length);
    sink->size += length;
}

static void png_flush_memory(png_structp png) { (void)png; }

int prn_png_encode(const unsigned char *pixels, int width, int height, int channels,
                   unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    prn_codec_state state;
    prn_codec_init(&state, message, message_size);
    *out = NULL;
    *out_size = 0;
    if ((channels != 1 && channels != 3) || width < 1 || height < 1)
        return prn_codec_error(&state, PRN_IMAGE_BUFFER, "PNG images need 1 or 3 channels and a positive size");
    png_sink sink = {NULL, 0, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state, png_fail, png_warn);
    if (!png) return prn_codec_error(&state, PRN_IMAGE_NO_MEMORY, "libpng could not start");
    png_infop png_info = png_create_info_struct(png);
    if (!png_info) {
        png_destroy_write_struct(&png, NULL);
        return prn_codec_error(&state, PRN_IMAGE_NO_MEMORY, "libpng could not start");
    }
    if (setjmp(state.jump)) {
        png_destroy_write_struct(&png, &png_info);
        free(sink.data);
        return sink.failed ? PRN_IMAGE_NO_MEMORY : PRN_IMAGE_CORRUPT;
    }
    png_set_write_fn(png, &sink, png_write_memory, png_flush_memory);
    png_set_IHDR(png, png_info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, png_info);
    for (int y = 0; y < height; y++)
        png_write_row(png, pixels + (size_t)y * (size_t)width * (size_t)channels);
    png_write_end(png, png_info);
    png_destroy_write_struct(&png, &png_info);
    *out = sink.data;
    *out_size = sink.size;
    return PRN_IMAGE_OK;
}
