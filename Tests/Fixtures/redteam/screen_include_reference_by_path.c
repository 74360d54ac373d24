// redteam: borrows the oracle by including the task's reference implementation through a relative quoted path (any quoted or path include reads host files at compile time).
// expect-stage: screen
// expect-code: forbidden-include
#include "../../../corpus/tasks/layernorm/reference.c"
