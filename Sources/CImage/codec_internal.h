#ifndef PRN_CODEC_INTERNAL_H
#define PRN_CODEC_INTERNAL_H

#include <setjmp.h>
#include <stddef.h>

/* What a codec call shares with the error handlers its library calls back. */
typedef struct {
    jmp_buf jump;
    char *message;
    size_t message_size;
    int code;
} prn_codec_state;

void prn_codec_init(prn_codec_state *state, char *message, size_t message_size);
/* Copies `text` into the caller's message buffer (truncated to fit). */
void prn_codec_message(prn_codec_state *state, const char *text);
int prn_codec_error(prn_codec_state *state, int code, const char *text);

int prn_png_read(const unsigned char *bytes, size_t size, int channels, unsigned char *pixels,
                 size_t pixels_size, prn_image_info *info, char *message, size_t message_size);
int prn_jpeg_read(const unsigned char *bytes, size_t size, int channels, unsigned char *pixels,
                  size_t pixels_size, prn_image_info *info, char *message, size_t message_size);

#endif
