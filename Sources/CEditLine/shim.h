// libedit's native API plus tiny non-variadic shims: Swift cannot call el_set/history directly
// because they are C variadic functions.
#include <stdio.h>
#include <histedit.h>

typedef char *(*prn_prompt_fn)(EditLine *);
typedef unsigned char (*prn_edit_fn)(EditLine *, int);
/* libedit's character reader (el_rfunc_t): 1 with a character, 0 at end of input, -1 on error. */
typedef int (*prn_read_fn)(EditLine *, wchar_t *);

static inline int prn_el_set_prompt(EditLine *el, prn_prompt_fn f) { return el_set(el, EL_PROMPT, f); }
static inline int prn_el_set_editor(EditLine *el, const char *mode) { return el_set(el, EL_EDITOR, mode); }
static inline int prn_el_set_history(EditLine *el, History *h) { return el_set(el, EL_HIST, history, h); }
static inline int prn_el_bind(EditLine *el, const char *key, const char *command) {
    return el_set(el, EL_BIND, key, command, (const char *)NULL);
}
static inline int prn_el_add_function(EditLine *el, const char *name, const char *help, prn_edit_fn f) {
    return el_set(el, EL_ADDFN, name, help, f);
}
static inline int prn_el_set_client_data(EditLine *el, void *data) { return el_set(el, EL_CLIENTDATA, data); }
static inline void *prn_el_get_client_data(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return data;
}
static inline int prn_el_set_reader(EditLine *el, prn_read_fn f) { return el_set(el, EL_GETCFN, f); }
static inline int prn_el_set_signal(EditLine *el, int on) { return el_set(el, EL_SIGNAL, on); }

static inline int prn_history_set_size(History *h, int size) { HistEvent ev; return history(h, &ev, H_SETSIZE, size); }
static inline int prn_history_set_unique(History *h, int on) { HistEvent ev; return history(h, &ev, H_SETUNIQUE, on); }
static inline int prn_history_enter(History *h, const char *line) { HistEvent ev; return history(h, &ev, H_ENTER, line); }
static inline int prn_history_load(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_LOAD, path); }
static inline int prn_history_save(History *h, const char *path) { HistEvent ev; return history(h, &ev, H_SAVE, path); }
/* Walks the history from the oldest entry to the newest: H_LAST is the oldest, H_PREV moves
   toward newer entries. Each returns NULL past the end. */
static inline const char *prn_history_oldest(History *h) {
    HistEvent ev;
    return history(h, &ev, H_LAST) == 0 ? ev.str : NULL;
}
static inline const char *prn_history_newer(History *h) {
    HistEvent ev;
    return history(h, &ev, H_PREV) == 0 ? ev.str : NULL;
}

/* The standard streams, for Swift 6 code that may not touch C's global `stdin`/`stdout`. */
static inline FILE *prn_stdin(void) { return stdin; }
static inline FILE *prn_stdout(void) { return stdout; }
static inline FILE *prn_stderr(void) { return stderr; }
