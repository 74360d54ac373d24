/*
 * clbuild.c -- compile OpenCL C sources with the first available OpenCL
 * platform/device and report the result per file.
 *
 *   cc -O2 -o clbuild clbuild.c -lOpenCL
 *   ./clbuild corpus/kernels/opencl/layernorm.cl corpus/kernels/opencl/softmax.cl
 *
 * For every path prints "ok PATH" or "FAIL PATH" followed by the build log.
 * Exit status: 0 all built, 1 at least one failed, 2 usage / IO error,
 * 3 no OpenCL platform or device available.
 * Build options default to "-cl-std=CL1.2"; override with CLBUILD_OPTIONS.
 */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0) {
        fclose(f);
        return NULL;
    }
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

static void print_build_log(cl_program prog, cl_device_id dev)
{
    size_t sz = 0;
    if (clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, 0, NULL, &sz) != CL_SUCCESS || sz == 0)
        return;
    char *log = malloc(sz + 1);
    if (!log)
        return;
    if (clGetProgramBuildInfo(prog, dev, CL_PROGRAM_BUILD_LOG, sz, log, NULL) == CL_SUCCESS) {
        log[sz] = '\0';
        if (log[0] != '\0' && strspn(log, " \t\r\n") != strlen(log))
            printf("%s\n", log);
    }
    free(log);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE.cl...\n", argv[0]);
        return 2;
    }
    const char *opts = getenv("CLBUILD_OPTIONS");
    if (!opts || !*opts)
        opts = "-cl-std=CL1.2";

    cl_uint nplat = 0;
    cl_int err = clGetPlatformIDs(0, NULL, &nplat);
    if (err != CL_SUCCESS || nplat == 0) {
        fprintf(stderr, "clbuild: no OpenCL platform found (err %d); install an ICD such as pocl-opencl-icd\n", (int)err);
        return 3;
    }
    cl_platform_id *plats = calloc(nplat, sizeof *plats);
    if (!plats || clGetPlatformIDs(nplat, plats, NULL) != CL_SUCCESS) {
        fprintf(stderr, "clbuild: cannot enumerate OpenCL platforms\n");
        return 3;
    }
    cl_platform_id plat = NULL;
    cl_device_id dev = NULL;
    for (cl_uint i = 0; i < nplat && !dev; ++i) {
        if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, 1, &dev, NULL) == CL_SUCCESS)
            plat = plats[i];
        else
            dev = NULL;
    }
    free(plats);
    if (!dev) {
        fprintf(stderr, "clbuild: no OpenCL device on any platform\n");
        return 3;
    }
    char pname[256] = "", dname[256] = "";
    clGetPlatformInfo(plat, CL_PLATFORM_NAME, sizeof pname, pname, NULL);
    clGetDeviceInfo(dev, CL_DEVICE_NAME, sizeof dname, dname, NULL);
    fprintf(stderr, "clbuild: platform \"%s\", device \"%s\", options \"%s\"\n", pname, dname, opts);

    cl_context ctx = clCreateContext(NULL, 1, &dev, NULL, NULL, &err);
    if (!ctx) {
        fprintf(stderr, "clbuild: clCreateContext failed (err %d)\n", (int)err);
        return 3;
    }
    int failed = 0;
    for (int a = 1; a < argc; ++a) {
        size_t len = 0;
        char *src = read_file(argv[a], &len);
        if (!src) {
            printf("FAIL %s\ncannot read file\n", argv[a]);
            failed = 1;
            continue;
        }
        const char *srcs[1] = {src};
        cl_program prog = clCreateProgramWithSource(ctx, 1, srcs, &len, &err);
        if (!prog) {
            printf("FAIL %s\nclCreateProgramWithSource error %d\n", argv[a], (int)err);
            failed = 1;
            free(src);
            continue;
        }
        err = clBuildProgram(prog, 1, &dev, opts, NULL, NULL);
        if (err == CL_SUCCESS) {
            printf("ok %s\n", argv[a]);
        } else {
            printf("FAIL %s (clBuildProgram error %d)\n", argv[a], (int)err);
            print_build_log(prog, dev);
            failed = 1;
        }
        clReleaseProgram(prog);
        free(src);
    }
    clReleaseContext(ctx);
    return failed ? 1 : 0;
}
