/* home.h: where lynxeval's shipped files are (the world's test split, the three trained tiny
 * checkpoints), found relative to the running binary so that `lynxeval run` works from any
 * directory, installed or built. */
#ifndef LX_CLI_HOME_H
#define LX_CLI_HOME_H

/* The directory holding datasets/world/ and checkpoints/ (heap string), or NULL. Tried in
 * order: $LYNXEVAL_HOME; <binary's dir>/../share/lynxeval (installed); the binary's dir and its
 * parents up to three levels (a build tree inside the source tree); the source tree the binary
 * was built from. */
char *lx_home_dir(void);

#endif
