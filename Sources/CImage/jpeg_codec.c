#include "CImage.h"
#include "codec_internal.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr manager;  /* first, so libjpeg's pointer to it is a pointer to this */
    prn_codec_state *state;
} jpeg_failure;

static void jpeg_fail(j_common_ptr jpeg) {
    jpeg_failure *failure = (jpeg_failure *)jpeg->err;
    char text[JMSG_LENGTH_MAX];
    (*jpeg->err->format_message)(jpeg, text);
    prn_codec_message(failure->state, text);
    longjmp(failure->state->jump, 1);
}

/* Level -1 is a warning about the data ("Premature end of JPEG file", "Corrupt JPEG data"): libjpeg
 * would fill the rest with gray and carry on, so a damaged image is refused instead. */
static void jpeg_note(j_common_ptr jpeg, int level) {
    if (level < 0) jpeg_fail(jpeg);
}

int prn_jpeg_read(const unsigned char *bytes, size_t size, int channels, unsigned char *pixels,
                  size_t pixels_size, prn_image_info *info, char *message, size_t message_size) {
    prn_codec_state state;
    prn_codec_init(&state, message, message_size);
    struct jpeg_decompress_struct jpeg;
    memset(&jpeg, 0, sizeof jpeg);
    jpeg_failure failure;
    jpeg.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.manager.emit_message = jpeg_note;
    failure.state = &state;
    if (setjmp(state.jump)) {
        jpeg_destroy_decompress(&jpeg);
        return state.code ? state.code : PRN_IMAGE_CORRUPT;
    }
    jpeg_create_decompress(&jpeg);
    jpeg_mem_src(&jpeg, bytes, (unsigned long)size);
    jpeg_read_header(&jpeg, TRUE);
    info->width = (int)jpeg.image_width;
    info->height = (int)jpeg.image_height;
    info->format = "JPEG";
    if (jpeg.num_components == 1) {
        info->channels = 1;
    } else if (jpeg.num_components == 3) {
        info->channels = 3;
    } else {
        state.code = PRN_IMAGE_UNSUPPORTED;
        prn_codec_message(&state, "only grayscale and colour (YCbCr or RGB) JPEGs are supported, not CMYK");
        longjmp(state.jump, 1);
    }
    if (channels == 0) {
        jpeg_destroy_decompress(&jpeg);
        return PRN_IMAGE_OK;
    }
    jpeg.out_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&jpeg);
    size_t row_bytes = (size_t)jpeg.output_width * (size_t)jpeg.output_components;
    if (jpeg.output_components != channels || pixels_size != row_bytes * jpeg.output_height) {
        state.code = PRN_IMAGE_BUFFER;
        prn_codec_message(&state, "the decoded rows do not match the expected size");
        longjmp(state.jump, 1);
    }
    while (jpeg.output_scanline < jpeg.output_height) {
        JSAMPROW row = pixels + (size_t)jpeg.output_scanline * row_bytes;
        jpeg_read_scanlines(&jpeg, &row, 1);
    }
    jpeg_finish_decompress(&jpeg);
    jpeg_destroy_decompress(&jpeg);
    return PRN_IMAGE_OK;
}

int prn_jpeg_encode(const unsigned char *pixels, int width, int height, int channels, int quality,
                    unsigned char **out, size_t *out_size, char *message, size_t message_size) {
    prn_codec_state state;
    prn_codec_init(&state, message, message_size);
    *out = NULL;
    *out_size = 0;
    if ((channels != 1 && channels != 3) || width < 1 || height < 1)
        return prn_codec_error(&state, PRN_IMAGE_BUFFER, "JPEG images need 1 or 3 channels and a positive size");
    struct jpeg_compress_struct jpeg;
    memset(&jpeg, 0, sizeof jpeg);
    jpeg_failure failure;
    jpeg.err = jpeg_std_error(&failure.manager);
    failure.manager.error_exit = jpeg_fail;
    failure.state = &state;
    /* libjpeg grows this buffer itself; it is the caller's after a successful finish. */
    unsigned char *buffer = NULL;
    unsigned long buffer_size = 0;
    if (setjmp(state.jump)) {
        jpeg_destroy_compress(&jpeg);
        free(buffer);
        return PRN_IMAGE_CORRUPT;
    }
    jpeg_create_compress(&jpeg);
    jpeg_mem_dest(&jpeg, &buffer, &buffer_size);
    jpeg.image_width = (JDIMENSION)width;
    jpeg.image_height = (JDIMENSION)height;
    jpeg.input_components = channels;
    jpeg.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&jpeg);
    jpeg_set_quality(&jpeg, quality, TRUE);
    jpeg_start_compress(&jpeg, TRUE);
    while (jpeg.next_scanline < jpeg.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)jpeg.next_scanline * (size_t)width * (size_t)channels);
        jpeg_write_scanlines(&jpeg, &row, 1);
    }
    jpeg_finish_compress(&jpeg);
    jpeg_destroy_compress(&jpeg);
    *out = buffer;
    *out_size = buffer_size;
    return PRN_IMAGE_OK;
}
