#include "CImage.h"
#include "codec_internal.h"

#include <stdlib.h>
#include <string.h>

void prn_codec_init(prn_codec_state *state, char *message, size_t message_size) {
    state->message = message;
    state->message_size = message_size;
    state->code = 0;
    if (message && message_size) message[0] = 0;
}

void prn_codec_message(prn_codec_state *state, const char *text) {
    if (!state->message || !state->message_size) return;
    strncpy(state->message, text ? text : "unknown error", state->message_size - 1);
    state->message[state->message_size - 1] = 0;
}

int prn_codec_error(prn_codec_state *state, int code, const char *text) {
    prn_codec_message(state, text);
    return code;
}

/* The format is told by the first bytes, never by the file name. */
static int is_png(const unsigned char *bytes, size_t size) {
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    return size >= 8 && memcmp(bytes, signature, 8) == 0;
}

static int is_jpeg(const unsigned char *bytes, size_t size) {
    return size >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

int prn_image_decode(const unsigned char *bytes, size_t size, int channels, unsigned char *pixels,
                     size_t pixels_size, prn_image_info *info, char *message, size_t message_size) {
    memset(info, 0, sizeof *info);
    if (is_png(bytes, size)) return prn_png_read(bytes, size, channels, pixels, pixels_size, info, message, message_size);
    if (is_jpeg(bytes, size)) return prn_jpeg_read(bytes, size, channels, pixels, pixels_size, info, message, message_size);
    prn_codec_state state;
    prn_codec_init(&state, message, message_size);
    return prn_codec_error(&state, PRN_IMAGE_UNKNOWN_FORMAT, "neither a PNG nor a JPEG image (by its first bytes)");
}

int prn_image_probe(const unsigned char *bytes, size_t size, prn_image_info *info,
                    char *message, size_t message_size) {
    return prn_image_decode(bytes, size, 0, NULL, 0, info, message, message_size);
}

void prn_image_free(void *pointer) { free(pointer); }
