#ifndef SMMHP_CLI_MATRIX_H
#define SMMHP_CLI_MATRIX_H

/* `smmhp matrix ...`: returns the process exit status (docs/matrix.md). */
int cmd_matrix(int argc, char **argv);

#endif
