import Corpus
import Testing

func source(_ text: String, _ path: String, _ format: DocumentFormat? = nil) -> SourceText {
    SourceText(source: "/x/" + path, displayPath: path, format: format ?? DocumentFormat.fromPath(path) ?? .text, text: text)
}

@Suite("Code chunking")
struct CodeChunkerTests {
    @Test("a block comment across lines inside a macro does not end it: the macro's next lines are no function (BLIS)")
    func commentInsideMacro() {
        let text = """
            #define SGEMM_INPUT \\
            	vmovlps(mem(rcx), xmm0, xmm0) \\
            	/* We can't use vmovhps here,
            	   so vmovss it is. */ \\
            	vmovss(mem(rcx, r10, 1), xmm1) \\
            	vshufps(imm(0x88), xmm1, xmm2, xmm2) \\

            #define OPEN "/*"

            void bli_sgemm_haswell_asm_6x16(int k, float *a) {
                for (int i = 0; i < k; i++) a[i] += 1.0f;
            }
            """
        let chunks = CodeChunker().chunk(source(text, "kernels/haswell/3/bli_gemm_haswell_asm_d6x8.c", .c)).chunks
        #expect(chunks.compactMap(\.symbol) == ["bli_sgemm_haswell_asm_6x16"])
    }

    @Test("the parts of a long function share its ISAs: a part between two SIMD loops is no scalar code")
    func partsShareISA() {
        let scalar = (0..<40).map { "    acc += a[\($0)];" }.joined(separator: "\n")
        let text = "#include <immintrin.h>\nfloat sum_avx(const float *a) {\n    __m256 v = _mm256_loadu_ps(a);\n    float acc = 0;\n"
            + scalar + "\n    return acc + _mm256_cvtss_f32(v);\n}\n"
        let chunks = CodeChunker(maxLinesPerChunk: 20).chunk(source(text, "sum.c", .c)).chunks.filter { $0.symbol == "sum_avx" }
        #expect(chunks.count > 2)
        #expect(chunks.allSatisfy { $0.metadata.isa == ["avx2"] && $0.backend == "c-simd" }, "\(chunks.map(\.metadata.isa))")
    }

    @Test("the ISA is inferred from the intrinsics used, for every family kb tags", arguments: [
        ("float s(const float *x) { __m128 v = _mm_loadu_ps(x); v = _mm_add_ps(v, v); return _mm_cvtss_f32(v); }", ["sse"]),
        ("float s(const float *x) { __m256 v = _mm256_loadu_ps(x); return _mm256_cvtss_f32(_mm256_fmadd_ps(v, v, v)); }", ["avx2"]),
        ("void s(float *y, __m256 v) { _mm256_mask_storeu_ps(y, 0x0f, v); }", ["avx512", "avx2"]),  // AVX-512VL on ymm
        ("float s(const float *x) { float32x4_t v = vld1q_f32(x); return vaddvq_f32(vmulq_f32(v, v)); }", ["neon"]),
        ("float s(const float *x, long n) { svbool_t p = svwhilelt_b32(0, n); svfloat32_t v = svld1_f32(p, x); return svaddv_f32(p, v); }", ["sve"]),
        ("typedef float v8 __attribute__((vector_size(32))); float s(v8 a) { return a[0]; }", ["vector-ext"]),
        // LoongArch names its vector types as x86 does: with LSX or LASX intrinsics those types say nothing of x86.
        ("float s(const float *x) { __m128 v = (__m128)__lsx_vld(x, 0); return __lsx_vpickve2gr_w((__m128i)v, 0); }", ["lsx"]),
        ("float s(const float *x) { __m256 v = (__m256)__lasx_xvld(x, 0); __m128 h = (__m128)__lsx_vld(x, 0); return 0; }", ["lasx", "lsx"]),
        ("float s(const float *x) { __m128 v = _mm_loadu_ps(x); __m128 w = (__m128)__lsx_vld(x, 0); return 0; }", ["sse", "lsx"]),
        ("float s(const float *x) { v4f32 v = (v4f32)__msa_ld_w(x, 0); return v[0]; }", ["msa"]),
        ("float s(const float *x, size_t n) { size_t vl = __riscv_vsetvl_e32m1(n); vfloat32m1_t v = __riscv_vle32_v_f32m1(x, vl); return 0; }", ["rvv"]),
        ("float s(const float *x) {\n#if __riscv_vector\n    return x[0];\n#endif\n}", []),
        // POWER's AltiVec/VSX: its vector keyword and its distinctive intrinsics; not generic `vec_` names.
        ("float s(const float *x) { __vector float v = vec_xl(0, x); v = vec_madd(v, v, v); return v[0]; }", ["vsx"]),
        ("float s(const float *x) { return vec_splats(x[0])[0]; }", ["vsx"]),
        ("float s(const float *x, int n) { return vec_dot(x, x, n) + vec_add(x, n); }", []),
        ("int s(int *vec_perm, int n) { return vec_sel(vec_perm, n) + vec_ld(n); }", []),
        // ggml names its IBM Z and POWER vector types after NEON's: with their intrinsics, those names say no NEON.
        ("float s(const float *x) { float32x4_t v = vec_xl(0, x); return vec_splats(x[0])[0] + v[0]; }", ["vsx"]),
        ("float s(const float *x) { float32x4_t v = vld1q_f32(x); return vec_splats(x[0])[0] + v[0]; }", ["neon", "vsx"]),
        ("float s(const float *x) { return x[0] + x[1]; }", []),
    ])
    func isa(code: String, expected: [String]) {
        let doc = CodeChunker().chunk(source(code, "kernels/s.c"))
        #expect(doc.chunks.first?.metadata.isa == expected, "\(doc.chunks.first?.metadata.intrinsics ?? [])")
    }

    @Test("IBM Z's vector code, which shares POWER's intrinsics, is IBM Z's, not POWER's")
    func ibmZNotPower() {
        let code = "float s(const float *x) { __vector float v = vec_xl(0, x); return vec_madd(v, v, v)[0]; }"
        #expect(CodeChunker().chunk(source(code, "src/arch/helpers390x_128.h")).chunks.first?.metadata.isa == ["vxe"])
        #expect(CodeChunker().chunk(source(code, "kernel/zarch/gemm_vec.c")).chunks.first?.metadata.isa == ["vxe"])
        #expect(CodeChunker().chunk(source(code, "include/xsimd/arch/xsimd_vxe.hpp")).chunks.first?.metadata.isa == ["vxe"])
        // A chunk under IBM Z's macros outside an IBM Z path is IBM Z's; POWER's stays POWER's.
        let shared = "float s(const float *x) {\n#if defined(__VXE__) || defined(__VXE2__)\n    return vec_splats(x[0])[0];\n#endif\n}\n"
        #expect(CodeChunker().chunk(source(shared, "src/ggml-cpu/vec.cpp")).chunks.first?.metadata.isa == ["vxe"])
        let power = "float s(const float *x) {\n#if defined(__POWER9_VECTOR__)\n    return vec_splats(x[0])[0];\n#endif\n}\n"
        #expect(CodeChunker().chunk(source(power, "src/ggml-cpu/vec.cpp")).chunks.first?.metadata.isa == ["vsx"])
        // ggml's IBM Z vector types are named after NEON's.
        let typed = "static float s(const uint8x16_t *q) {\n    uint8x16_t v = q[0];\n    return v[0];\n}\n"
        #expect(CodeChunker().chunk(source(typed, "src/ggml-cpu/arch/s390/quants.c")).chunks.first?.metadata.isa == ["vxe"])
        #expect(CodeChunker().chunk(source(code, "src/arch/helperpower_128.h")).chunks.first?.metadata.isa == ["vsx"])
    }

    @Test("BLIS's assembly macros are inline assembly with their registers' ISA, not glue")
    func blisAssemblyMacros() {
        let text = "void bli_dgemm_skx_asm_16x14(dim_t k, double *a)\n{\n    BEGIN_ASM()\n    VXORPD(YMM(4), YMM(4), YMM(4))\n"
            + "    VMOVAPD(ZMM(0), MEM(RAX, 0*8))\n    END_ASM()\n}\n"
        let chunk = CodeChunker().chunk(source(text, "kernels/x/3/bli_dgemm_x_asm.c")).chunks.first
        #expect(chunk?.metadata.isa == ["avx512", "avx2"])
        #expect(chunk?.metadata.features.contains("glue") == false)
    }

    @Test("a file named for a CPU gives its functions with no ISA of their own that CPU's", arguments: [
        ("bli_dgemm_skx_asm_16x14.c", ["avx512"]), ("dgemm_kernel_4x8_haswell.c", ["avx2"]),
        ("bli_gemm_armsve256_asm_d8x8.c", ["sve"]), ("bli_gemm_armv8a_asm_d6x8.c", ["neon"]),
        ("sgemm_kernel_cortexa53.c", ["neon"]), ("spr_k.c", []), ("gemm_kernel.c", []),
        ("sgemm_kernel_power9.c", ["vsx"]), ("dgemv_n_vsx.c", ["vsx"]), ("daxpy_microk_haswell-2.c", ["avx2"]),
    ])
    func cpuFileNames(name: String, expected: [String]) {
        #expect(MetadataExtractor.isaNamed(inFileName: name) == expected)
    }

    @Test("inline assembly names its ISA and is no glue, as OpenBLAS writes its micro-kernels", arguments: [
        ("\"vmovups (%2,%0,4), %%ymm12 \\n\\t\"\n\"vfmadd231ps (%3,%0,4), %%ymm12, %%ymm4 \\n\\t\"", ["avx2"]),
        ("\"vfmadd231pd (%3,%0,8), %%xmm12, %%xmm4 \\n\\t\"", ["avx2"]),
        ("\"vfmadd231ps (%3,%0,4), %%zmm12, %%zmm4 \\n\\t\"", ["avx512"]),
        ("\"movups (%2,%0,4), %%xmm12 \\n\\t\"\n\"mulps %%xmm12, %%xmm4 \\n\\t\"", ["sse"]),
        ("\"ld1 {v0.4s}, [%[x]], #16 \\n\\t\"\n\"fmla v4.4s, v0.4s, v1.4s \\n\\t\"", ["neon"]),
        ("\"ld1w z0.s, p0/z, [%[x]] \\n\\t\"\n\"fmla z4.s, p0/m, z0.s, z1.s \\n\\t\"", ["sve"]),
    ])
    func inlineAssembly(body: String, expected: [String]) {
        let text = "static void dot_kernel_8(long n, float *x, float *y, float *dot)\n{\n    __asm__ __volatile__ (\n"
            + body + "\n        : : \"r\" (n), \"r\" (x), \"r\" (y), \"r\" (dot) : \"memory\");\n}\n"
        let chunk = CodeChunker().chunk(source(text, "kernel/x86_64/sdot_microk.c")).chunks.first
        #expect(chunk?.metadata.isa == expected)
        #expect(chunk?.metadata.features.contains("inline-asm") == true)
        #expect(chunk?.metadata.features.contains("glue") == false)
        #expect(chunk?.backend == "c-simd")
    }

    @Test("a math function computing in straight lines with floating-point constants is no glue; setup and launchers are", arguments: [
        ("vfloat xtanhf(vfloat x) {\n  vfloat y = vabs_vf_vf(x);\n  y = vsel_vf_vo_vf_vf(vgt_vo_vf_vf(y, vcast_vf_f(8.66f)), vcast_vf_f(1.0f), y);\n  return y;\n}\n", false),
        ("double exp_poly(double x) {\n  return 0.5 + x * (1.5e-3 + x * .25);\n}\n", false),
        ("double poly(double x) {\n  return 0.5 + x * (1.5e-3 + x * .25);\n}\n", true),
        ("void exp_f32_cuda(const float *x, float *y, int k) {\n  exp_f32<<<(k + 255) / 256, 256>>>(x, y, k);\n}\n", true),
        ("void launch(float *x, int n) {\n  float alpha = 1.0f;\n  run(x, n, alpha);\n}\n", true),
        ("void launch(float *x, int n) {\n  // scale 1.0 and 2.0 in \"3.0\"\n  run(x, n, 1, 0x10, 1e);\n}\n", true),
    ])
    func floatConstantsCompute(code: String, glue: Bool) {
        let chunk = CodeChunker().chunk(source(code, "src/libm/f.c")).chunks.first
        #expect(chunk?.metadata.features.contains("glue") == glue)
    }

    @Test("a math function computing with its own constants is no thin wrapper, though it calls its namesake kernel")
    func mathFunctionNoWrapper() {
        let erf = """
            float erf(float self) {
                float x = fabsf(self);
                if (x < 2.f / 3.f) return self * erf_kernel_erf1(x * x);
                float z = x / (1.f + x) - 0.4f;
                return 1.f - expf(-x * x) * erf_kernel_erfc2(z);
            }
            """
        let chunk = CodeChunker().chunk(source(erf, "include/common_math.hpp")).chunks.first
        #expect(chunk?.metadata.features.contains("wrapper") == false)
        #expect(chunk?.metadata.features.contains("glue") == false)
        let dispatcher = "void softmax(float *x, int n) {\n    softmax_impl(x, n, 1.0f, 0.0f);\n}\n"
        #expect(CodeChunker().chunk(source(dispatcher, "src/ops.c")).chunks.first?.metadata.features.contains("wrapper") == true)
    }

    @Test("floating-point literals are counted, not integers, hexadecimal integers, names or comments")
    func floatLiterals() {
        #expect(MetadataExtractor.floatLiteralCount("x = 1.0f + .5 + 2e-3 + 0x1.8p3 + 7 + 0x1e + v1.x", limit: 10) == 4)
        #expect(MetadataExtractor.floatLiteralCount("// 1.0 2.0\n/* 3.0 */ s = \"4.0\"; c = '5';", limit: 10) == 0)
        #expect(MetadataExtractor.floatLiteralCount("a = 1.0, b = 2.0, c = 3.0", limit: 2) == 2)
    }

    @Test("a name with a double underscore is no NEON intrinsic (SLEEF's POWER helpers)")
    func doubleUnderscoreNotNEON() {
        let code = "#define vsetall__u8(v) vset__u8((uint8_t)v, (uint8_t)v)\nstatic vint f(vint a) {\n  return vset__u32(a, a, a, a);\n}\n"
        let doc = CodeChunker().chunk(source(code, "src/arch/helperpower_128.h"))
        #expect(doc.chunks.allSatisfy { !$0.metadata.isa.contains("neon") })
        #expect(MetadataExtractor.isa(for: ["vaddq_f32"]) == ["neon"])
    }

    @Test("one chunk per function, leading comments attached, structs and prototypes not functions")
    func functions() {
        let text = """
            /* File header: AVX-512 layernorm. */
            #include <immintrin.h>
            #define BODY { not a function }
            typedef struct { int a; } pair_t;
            static const float table[] = { 1.0f, 2.0f };
            void proto(int x);

            // Horizontal sum of a vector.
            static inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

            /* layernorm: the entry point. "braces { in strings }" */
            void layernorm(const float *x, float *y, long rows, long cols) {
                const char *s = "}";
                for (long r = 0; r < rows; r++) {
                    __mmask16 m = (__mmask16)((1u << (cols & 15)) - 1);
                    _mm512_mask_storeu_ps(y, m, _mm512_setzero_ps());
                }
                #pragma omp parallel for
            }
            """
        let doc = CodeChunker().chunk(source(text, "kernels/ln.c"))
        #expect(doc.chunks.map(\.symbol) == ["hsum", "layernorm"])
        let hsum = doc.chunks[0]
        #expect(hsum.text.contains("File header"))  // the file's leading comment attaches to the first function
        #expect(hsum.startLine == 1)
        #expect(hsum.metadata.qualifiers.contains("static"))
        let ln = doc.chunks[1]
        #expect(ln.startLine == 11)
        #expect(ln.endLine == 19)
        #expect(ln.metadata.isa == ["avx512"])
        #expect(ln.metadata.intrinsics.contains("_mm512_mask_storeu_ps"))
        #expect(ln.metadata.features.contains("masked-tail"))
        #expect(ln.metadata.features.contains("openmp"))
        #expect(ln.metadata.ops.contains("layernorm"))
        #expect(ln.backend == "c-simd")
    }

    @Test("OpenCL kernels: qualifiers and features")
    func opencl() {
        let text = """
            // kb-launch: kernel=row_sum global=rows*64 local=64
            __kernel void row_sum(__global const float *x, __global float *y, int cols) {
                __local float partial[64];
                float4 v = vload4(0, x);
                barrier(CLK_LOCAL_MEM_FENCE);
                y[get_group_id(0)] = partial[get_local_id(0)] + v.x;
            }
            """
        let doc = CodeChunker().chunk(source(text, "k/row_sum.cl"))
        #expect(doc.chunks.count == 1)
        let c = doc.chunks[0]
        #expect(c.symbol == "row_sum")
        #expect(c.language == "opencl")
        #expect(c.backend == "opencl")
        #expect(c.metadata.qualifiers == ["__kernel"])
        #expect(Set(c.metadata.features).isSuperset(of: ["local-memory", "barrier", "vector-types", "work-groups"]))
        #expect(c.metadata.ops.contains("reduction"))
    }

    @Test("CUDA attributes before the name do not hide it")
    func cudaNames() {
        let text = """
            __global__ void __launch_bounds__(256) softmax_kernel(const float* __restrict__ x, float* y) {
                __shared__ float s[256];
                __syncthreads();
            }
            template <typename T> __device__ T warp_sum(T v) { return __shfl_down_sync(0xffffffff, v, 1); }
            """
        let doc = CodeChunker().chunk(source(text, "a.cu"))
        #expect(doc.chunks.compactMap(\.symbol) == ["softmax_kernel", "warp_sum"])
        #expect(doc.chunks[0].metadata.qualifiers.contains("__global__"))
        #expect(doc.chunks[0].metadata.features.contains("shared-memory"))
        #expect(doc.chunks[0].backend == "cuda")
    }

    @Test("a path's format comes from its last component's extension", arguments: [
        ("kernels/softmax.cu", DocumentFormat.cuda), ("a/b/README.MD", .markdown), ("layernorm.c/", .c), ("x.tar.xml", .xml),
        ("dir/", nil), (".hidden", nil), ("x/.cl", nil), ("Makefile", nil), ("", nil), ("/", nil), ("naïve/kernel.opencl", .opencl),
    ] as [(String, DocumentFormat?)])
    func formatFromPath(path: String, format: DocumentFormat?) {
        #expect(DocumentFormat.fromPath(path) == format)
    }

    @Test("a function named only norm is a layer norm when it computes a mean and a variance, not otherwise")
    func normByContent() {
        let text = """
            static void compute_forward_norm_f32(const float* x, float* y, int n, float eps) {
              float sum = 0.0f;
              for (int i = 0; i < n; i++) sum += x[i];
              const float mean = sum / n;
              float variance = 0.0f;
              for (int i = 0; i < n; i++) { float v = x[i] - mean; y[i] = v; variance += v * v; }
              const float scale = 1.0f / sqrtf(variance / n + eps);
              for (int i = 0; i < n; i++) y[i] *= scale;
            }
            static void vector_norm(const float* x, float* y, int n) {
              float ss = 0.0f;
              for (int i = 0; i < n; i++) ss += x[i] * x[i];
              const float mean = ss / n;
              for (int i = 0; i < n; i++) y[i] = x[i] / sqrtf(mean);
            }
            static void group_norm_f32(const float* x, float* y, int n) {
              float mean = 0.0f, variance = 0.0f;
              for (int i = 0; i < n; i++) { mean += x[i]; variance += x[i] * x[i]; }
              y[0] = mean + variance;
            }
            """
        let doc = CodeChunker().chunk(source(text, "ops.c"))
        let ops = Dictionary(doc.chunks.compactMap { c in c.symbol.map { ($0, c.metadata.ops) } }, uniquingKeysWith: { a, _ in a })
        #expect(ops["compute_forward_norm_f32"]?.contains("layernorm") == true)
        #expect(ops["vector_norm"]?.contains("layernorm") == false)
        #expect(ops["group_norm_f32"] == ["groupnorm"])
    }

    @Test("qualifiers spelled through a macro (CUTLASS_DEVICE, CUTE_HOST_DEVICE) make device code, not host glue",
          arguments: ["gemm.h", "gemm.cu", "gemm.hpp"])
    func macroQualifiers(path: String) {
        let text = """
            namespace cutlass {
            CUTLASS_DEVICE
            void operator_call(Params const& params, float* smem) {
              smem[threadIdx.x] = params.alpha;
            }
            CUTE_HOST_DEVICE constexpr int tile_size(int MAX_DEVICE) { return 4 * MAX_DEVICE; }
            CUTLASS_GLOBAL void gemm_kernel(Params params) { operator_call(params, nullptr); }
            CUTLASS_API int can_implement(Arguments const& args) { return args.m > 0 ? 0 : 1; }
            int device_count(int MAX_DEVICE) { return MAX_DEVICE; }
            struct Epilogue {
              CUTLASS_HOST_DEVICE Epilogue(float a) : alpha(a) {}
              CUTLASS_HOST_DEVICE float scale(float x) const { return alpha * x; }
              float alpha;
            };
            }  // namespace cutlass
            """
        let doc = CodeChunker().chunk(source(text, path))
        let bySymbol = Dictionary(doc.chunks.compactMap { c in c.symbol.map { ($0, c) } }, uniquingKeysWith: { a, _ in a })
        #expect(bySymbol["operator_call"]?.metadata.qualifiers == ["__device__"])
        #expect(bySymbol["tile_size"]?.metadata.qualifiers == ["constexpr", "__host__", "__device__"])
        #expect(bySymbol["gemm_kernel"]?.metadata.qualifiers == ["__global__"])
        for name in ["operator_call", "tile_size", "gemm_kernel"] {
            #expect(bySymbol[name]?.metadata.features.contains("glue") == false, "\(name) is device code")
            #expect(bySymbol[name]?.backend == "cuda", "\(name)")
        }
        // A device constructor sets fields up, like host setup: glue; a loop-less device method does work.
        #expect(bySymbol["Epilogue::Epilogue"]?.metadata.features.contains("glue") == true)
        #expect(bySymbol["Epilogue::scale"]?.metadata.features.contains("glue") == false)
        // A macro that is no CUDA qualifier, and a parameter that only looks like one, change nothing.
        let c = CodeChunker().chunk(source("USB_DEVICE void probe(int port) { (void)port; }", "driver.c"))
        #expect(c.chunks.first?.metadata.qualifiers == [], "C code: an all-capital _DEVICE name is no CUDA")
        #expect(bySymbol["can_implement"]?.metadata.qualifiers == [])
        #expect(bySymbol["can_implement"]?.metadata.features.contains("glue") == true)
        #expect(bySymbol["device_count"]?.metadata.qualifiers == [])
        #expect(bySymbol["device_count"]?.metadata.features.contains("glue") == true)
    }

    @Test("CUDA device code in a .h or .cpp file is tagged cuda with CUDA's features; host C stays as it was",
          arguments: ["common.h", "cuda_utils.hpp", "kernels.cpp"])
    func cudaInHeaders(path: String) {
        let text = """
            __device__ float warpReduceSum(float val) {
                for (int offset = 16; offset > 0; offset /= 2) { val += __shfl_xor_sync(0xFFFFFFFF, val, offset); }
                return val;
            }
            static int ceil_div(int a, int b) { return (a + b - 1) / b; }
            """
        let doc = CodeChunker().chunk(source(text, path))
        #expect(doc.chunks.compactMap(\.symbol) == ["warpReduceSum", "ceil_div"])
        #expect(doc.chunks[0].backend == "cuda")
        #expect(doc.chunks[0].metadata.features.contains("warp-shuffle"))
        #expect(doc.chunks[1].backend == (path.hasSuffix(".h") ? "c-simd" : nil))
    }

    @Test(".hip files are HIP kernels: backend hip, CUDA's qualifiers and features, AMD's matrix cores")
    func hipKernels() {
        let text = """
            #include <hip/hip_runtime.h>
            // Row softmax, one block per row; wavefront reductions with __shfl_xor.
            __global__ void __launch_bounds__(256) softmax_rows(const float* __restrict__ x, float* y, int cols) {
                __shared__ float partial[8];
                float m = -INFINITY;
                for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, x[blockIdx.x * cols + c]);
                for (int o = 32; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor(m, o));
                __syncthreads();
            }
            __device__ floatx4 mfma_tile(float a, float b, floatx4 acc) {
                return __builtin_amdgcn_mfma_f32_16x16x4f32(a, b, acc, 0, 0, 0);
            }
            void launch(const float* x, float* y, int rows, int cols, hipStream_t s) {
                hipLaunchKernelGGL(softmax_rows, dim3(rows), dim3(256), 0, s, x, y, cols);
            }
            """
        #expect(DocumentFormat.fromPath("kernels/softmax.hip") == .hip)
        #expect(DocumentFormat.hip.kind == .kernel)
        let doc = (try? DocumentParser().parse(source(text, "kernels/softmax.hip"))) ?? ParsedDocument(title: "", chunks: [])
        #expect(doc.chunks.compactMap(\.symbol) == ["softmax_rows", "mfma_tile", "launch"])
        #expect(doc.chunks.allSatisfy { $0.backend == "hip" && $0.language == "hip" })
        let kernel = doc.chunks[0]
        #expect(kernel.metadata.qualifiers == ["__global__", "__launch_bounds__"])
        #expect(Set(kernel.metadata.features).isSuperset(of: ["shared-memory", "barrier", "warp-shuffle"]))
        #expect(kernel.metadata.ops.contains("softmax"))
        #expect(doc.chunks[1].metadata.features.contains("matrix-units"))
    }

    @Test("HIP device code in a .h or .cpp file is tagged hip, CUDA's stays cuda", arguments: [
        ("#include <hip/hip_runtime.h>\n__device__ float twice(float v) { return v + v; }\n", "hip"),
        ("__device__ float lane_sum(float v) { return v + __builtin_amdgcn_mov_dpp(v, 0x111, 0xf, 0xf, false); }\n", "hip"),
        ("#include <cuda_runtime.h>\n__device__ float twice(float v) { return v + v; }\n", "cuda"),
    ])
    func hipInHeaders(text: String, backend: String) {
        for path in ["common.h", "kernels.cpp"] {
            let doc = CodeChunker().chunk(source(text, path))
            #expect(doc.chunks.count == 1)
            #expect(doc.chunks.first?.backend == backend, "\(path)")
        }
    }

    @Test("a kernel in a C++ header is HIP when the file includes HIP's runtime outside the kernel's chunk")
    func hipByInclude() {
        func file(_ runtime: String) -> String {
            "#include <\(runtime).h>\n#include <vector>\ninline int ceil_div(int a, int b) { return (a + b - 1) / b; }\n"
                + "namespace v1 {\n__global__ void kernel(const float* x, float* y) { y[threadIdx.x] = x[threadIdx.x]; }\n}\n"
        }
        let doc = CodeChunker().chunk(source(file("hip/hip_runtime"), "Reduction/v1.hpp"))
        let kernel = doc.chunks.first { $0.text.contains("__global__") }
        #expect(kernel?.backend == "hip")
        #expect(kernel?.text.contains("hip_runtime") == false)
        let cuda = CodeChunker().chunk(source(file("cuda_runtime"), "v1.hpp"))
        #expect(cuda.chunks.first { $0.text.contains("__global__") }?.backend == "cuda")
    }

    @Test("a .h header written in C++ is C++; C headers, and C++ words in comments and strings, are not", arguments: [
        ("namespace hwy {\nHWY_API int MulAdd(int a, int b, int c) { return a * b + c; }\n}  // namespace hwy\n", DocumentFormat.cpp),
        ("template <typename T>\nT twice(T v) { return v + v; }\n", .cpp),
        ("struct S { int x; };\nint get(struct S *s) { return std::max(s->x, 0); }\n", .cpp),
        ("class Lanes : public Base {\n public:\n  int n;\n};\nint f(void) { return 1; }\n", .cpp),
        ("/* A C port of a C++ class template; see namespace docs. */\nint class_count(int class_) { return class_; }\n", .c),
        ("static const char *s = \"std::vector\";\nint f(int template_) { return template_; }\n", .c),
        ("#define NAMESPACE_OF(x) x\nint f(int a) { return a ? 1 : 0; }\n", .c),
        ("static void fence(void) { __asm__ __volatile__ (\"nop\" ::: \"memory\"); }\n", .c),
        ("#ifdef __cplusplus\nextern \"C\" {\ntemplate<typename... A> void log(A... a);\n#endif\nint f(void);\n", .c),
    ])
    func cppHeaders(text: String, expected: DocumentFormat) {
        let doc = CodeChunker().chunk(source(text, "lib/ops-inl.h"))
        #expect((doc.format ?? .c) == expected)
        #expect(doc.chunks.allSatisfy { $0.language == expected.rawValue })
        // A .c file is C whatever it holds.
        #expect(CodeChunker().chunk(source(text, "lib/ops.c")).format == nil)
    }

    @Test("long functions are split with the signature repeated")
    func longFunction() {
        var body = "void big(float *y) {\n"
        for i in 0..<400 { body += "    y[\(i)] = \(i);\n" }
        body += "}\n"
        let doc = CodeChunker(maxLinesPerChunk: 150).chunk(source(body, "big.c"))
        #expect(doc.chunks.count == 4)
        #expect(doc.chunks.allSatisfy { $0.symbol == "big" })
        #expect(doc.chunks[1].text.hasPrefix("void big(float *y) {"))
        #expect(doc.chunks[0].title == "big (part 1/4)")
        #expect(doc.chunks.last?.endLine == 402)
    }

    @Test("a header with only declarations is one chunk")
    func headerOnly() {
        let doc = CodeChunker().chunk(source("#pragma once\nvoid f(int);\nint g(void);\n", "h.h"))
        #expect(doc.chunks.count == 1)
        #expect(doc.chunks[0].title == "h.h")
    }

    @Test("Triton kernels are found by their decorator")
    func triton() {
        let text = """
            import triton
            import triton.language as tl

            @triton.jit
            def softmax_kernel(x_ptr, y_ptr, n_cols, BLOCK: tl.constexpr):
                row = tl.program_id(0)
                x = tl.load(x_ptr + row * n_cols + tl.arange(0, BLOCK))
                tl.store(y_ptr, x - tl.max(x, axis=0))

            def launch(x):
                return softmax_kernel[(1,)](x, x, 1, BLOCK=16)
            """
        let doc = PythonChunker().chunk(source(text, "sm.py"))
        #expect(doc.chunks.compactMap(\.symbol) == ["softmax_kernel", "launch"])
        #expect(doc.chunks[0].backend == "triton")
        #expect(doc.chunks[0].metadata.qualifiers == ["@triton.jit"])
        #expect(doc.chunks[0].metadata.intrinsics.contains("tl.load"))
        #expect(doc.chunks[0].startLine == 1)
    }

    @Test("Triton's decorators are found however the file imports them", arguments: [
        ("from triton import cdiv, jit\nfrom triton import language as tl\n", "@jit", ["@triton.jit"]),
        ("from triton import Config, autotune, heuristics, jit\n", "@autotune(\n    configs=[Config({})],\n    key=[\"n\"],\n)\n@jit",
         ["@triton.autotune", "@triton.jit"]),
        ("from triton import jit as tjit\n", "@tjit", ["@triton.jit"]),
        ("import torch, triton as tr\n", "@tr.jit", ["@triton.jit"]),
        ("import triton.language as tl\nimport triton\n", "@triton.jit", ["@triton.jit"]),
    ])
    func tritonImports(imports: String, decorators: String, qualifiers: [String]) {
        let text = imports + "\n\n" + decorators + "\ndef _fwd_kernel(Q, Out, n, BLOCK: tl.constexpr):\n"
            + "    offs = tl.arange(0, BLOCK)\n    tl.store(Out + offs, tl.load(Q + offs))\n"
        let chunk = PythonChunker().chunk(source(text, "kernels/flash_attention.py")).chunks.first { $0.symbol == "_fwd_kernel" }
        #expect(chunk?.language == "triton")
        #expect(chunk?.backend == "triton")
        #expect(chunk?.metadata.qualifiers == qualifiers)
        #expect(chunk?.metadata.intrinsics.contains("tl.load") == true)
    }

    @Test("a decorator named like Triton's but imported from elsewhere is no Triton", arguments: [
        "from numba import jit\n", "import triton\nfrom numba import jit\n", "def jit(f):\n    return f\n",
    ])
    func notTritonDecorators(imports: String) {
        let text = imports + "\n\n@jit\ndef add(a, b):\n    return a + b\n"
        let chunk = PythonChunker().chunk(source(text, "ops/add.py")).chunks.first { $0.symbol == "add" }
        #expect(chunk?.backend == nil)
        #expect(chunk?.metadata.qualifiers.isEmpty == true)
    }

    @Test("a long class is chunked into its head and its methods; a long function into parts")
    func longClassesAndFunctions() {
        var text = """
            import cutlass.cute as cute


            class FusedAttention:
                \"\"\"Blackwell FMHA.

                def not_a_method(self):  (inside the docstring)
                \"\"\"

                arch = "sm_100"

                def __init__(self, head_dim):
                    self.head_dim = head_dim

                # The device kernel.
                @cute.kernel
                def kernel(
                    self,
                    q,
                ):

            """
        for i in 0..<30 { text += "        q = q * \(i)\n" }
        text += """

                @staticmethod
                def helper(x):
                    return x


            def long_function(x):

            """
        for i in 0..<40 { text += "    x = x + \(i)\n" }
        text += "    return x\n"
        let doc = PythonChunker(maxLines: 25).chunk(source(text, "fmha.py"))
        #expect(doc.chunks.map(\.title) == ["FusedAttention", "FusedAttention.__init__", "FusedAttention.kernel (part 1/2)",
                                            "FusedAttention.kernel (part 2/2)", "FusedAttention.helper",
                                            "long_function (part 1/3)", "long_function (part 2/3)", "long_function (part 3/3)"])
        #expect(doc.chunks[0].startLine == 1 && doc.chunks[0].text.contains("arch = \"sm_100\""))
        #expect(doc.chunks[2].text.hasPrefix("    # The device kernel.\n    @cute.kernel\n    def kernel("))
        #expect(doc.chunks[3].text.hasPrefix("    def kernel(\n    # ... continued from part 1\n"))
        #expect(doc.chunks[4].text.hasPrefix("    @staticmethod"))
        #expect(doc.chunks[5].symbol == "long_function" && doc.chunks[7].text.hasSuffix("return x"))
        // Every line of code is in some chunk.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() where line.contains(where: { $0 != " " }) {
            #expect(doc.chunks.contains { $0.startLine <= n + 1 && n + 1 <= $0.endLine }, "line \(n + 1) in no chunk")
        }
    }

    @Test("top-level statements between and after definitions are chunks too: no line of code is left out")
    func moduleStatements() {
        var text = """
            import torch


            def scale(x):
                return x * 2


            CONFIGS = {
                "softmax": {"BLOCK": 128},
            }

            def shift(x):
                return x + CONFIGS["softmax"]["BLOCK"]

            if __name__ == "__main__":
                print(shift(scale(torch.ones(4))))

            """
        for i in 0..<200 { text += "TABLE_\(i) = \(i)\n" }
        let doc = PythonChunker().chunk(source(text, "ops.py"))
        #expect(doc.chunks.map(\.title) == ["scale", "module", "shift", "module", "module"])
        #expect(doc.chunks[1].text.hasPrefix("CONFIGS = {") && doc.chunks[1].text.hasSuffix("}"))
        #expect(doc.chunks[1].startLine == 8 && doc.chunks[1].endLine == 10)
        #expect(doc.chunks[3].text.hasPrefix("if __name__"))
        #expect(doc.chunks[4].text.hasPrefix("TABLE_") && doc.chunks[4].text.hasSuffix("TABLE_199 = 199"))
        // Every non-blank line is in some chunk; long runs are cut at 150 lines.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (n, line) in lines.enumerated() where line.contains(where: { $0 != " " }) {
            #expect(doc.chunks.contains { $0.startLine <= n + 1 && n + 1 <= $0.endLine }, "line \(n + 1) in no chunk")
        }
        #expect(doc.chunks.allSatisfy { $0.endLine - $0.startLine < 150 })
    }

    @Test("decorators whose arguments span lines (@triton.autotune) keep their kernel's body in its chunk")
    func multiLineDecorators() {
        let text = """
            import triton
            import triton.language as tl


            @libentry()
            @triton.autotune(
                configs=runtime.get_tuned_config("layer_norm_persistent"),
                key=["M", "N"],
            )
            @triton.jit(do_not_specialize=["eps"])
            def layer_norm_persistent_kernel(
                in_ptr,
                N,
                eps,
                TILE_N: tl.constexpr,
            ):
                n_offsets = tl.arange(0, TILE_N)
                x = tl.load(in_ptr + n_offsets)
                tl.store(in_ptr, x / N)


            @triton.jit
            # the backward pass
            def layer_norm_backward_kernel(dy_ptr, N):
                tl.store(dy_ptr, tl.load(dy_ptr) * N)
            """
        let doc = PythonChunker().chunk(source(text, "layernorm.py"))
        #expect(doc.chunks.map(\.title) == ["layer_norm_persistent_kernel", "layer_norm_backward_kernel"])
        let forward = doc.chunks[0]
        #expect(forward.text.contains("tl.store(in_ptr, x / N)"))
        #expect(forward.endLine == 19)
        #expect(forward.metadata.qualifiers == ["@libentry", "@triton.autotune", "@triton.jit"])
        #expect(forward.metadata.intrinsics.contains("tl.arange"))
        #expect(forward.metadata.ops.contains("layernorm"))
        #expect(doc.chunks[1].text.contains("tl.load(dy_ptr) * N"))
        #expect(doc.chunks[1].metadata.qualifiers == ["@triton.jit"])
    }
}

@Suite("Trivial definitions and thin wrappers")
struct TrivialDefinitionTests {
    @Test("a definition of at most three lines of its own is trivial, however much preamble it carries")
    func trivialC() {
        let text = """
            #include <stdint.h>
            #include <math.h>
            #include "common.h"

            // Converts to float.
            static inline float to_f32(int v) {
                return (float) v;
            }

            // Scales a row.
            void scale_row(float *x, int n, float s) {
                for (int i = 0; i < n; i++) {
                    x[i] *= s;
                }
            }

            void scale_rows(float *x, int n, int rows, float s) {
                switch (rows) {
                    case 0: break;
                    default: scale_rows_impl(x, n, rows, s);
                }
            }
            """
        let chunks = CodeChunker().chunk(source(text, "ops/scale.c")).chunks
        let features = Dictionary(uniqueKeysWithValues: chunks.compactMap { c in c.symbol.map { ($0, c.metadata.features) } })
        #expect(chunks.first?.startLine == 1)
        #expect(features["to_f32"]?.contains("trivial") == true)
        #expect(features["scale_row"]?.contains("trivial") == false)
        #expect(features["scale_rows"]?.contains("wrapper") == true)
        #expect(features["scale_row"]?.contains("wrapper") == false)
    }

    @Test("a one-line body is trivial however its braces are placed; two lines of body are not")
    func trivialAllmanBodies() {
        let text = """
            bool GpuInfo::support_ycbcr_conversion() const
            {
                // Asked once at start-up.
                return d->support_ycbcr_conversion;
            }

            int GpuInfo::queue_count(int family) const
            {
                if (family < 0) return 0;
                return d->queue_counts[family];
            }

            void scale(int n, float* y, float v)
            {
                for (int i = 0; i < n; ++i) y[i] *= v;
            }
            """
        let chunks = CodeChunker().chunk(source(text, "src/gpu.cpp")).chunks
        let features = Dictionary(uniqueKeysWithValues: chunks.compactMap { c in c.symbol.map { ($0, c.metadata.features) } })
        #expect(features["GpuInfo::support_ycbcr_conversion"]?.contains("trivial") == true)
        #expect(features["GpuInfo::queue_count"]?.contains("trivial") == false)
        // A one-line loop is work.
        #expect(features["scale"]?.contains("trivial") == false)
    }

    @Test("a host launcher calling its kernel is a wrapper; a device helper calling a namesake is not")
    func wrappersAreHostCode() {
        let text = """
            static __device__ float rope_yarn_ramp(const float low, const float high, const int i0) {
                const float y = (i0 / 2 - low) / fmaxf(0.001f, high - low);
                return 1.0f - fminf(1.0f, fmaxf(0.0f, y));
            }

            // Scaling corrected for extrapolation.
            static __device__ void rope_yarn(const float theta_extrap, const int i0, float & cos_theta) {
                const float ramp = rope_yarn_ramp(0.5f, 2.0f, i0);
                const float theta = theta_extrap * (1 - ramp);
                cos_theta = cosf(theta);
            }

            static void rope_yarn_f32_cuda(const float * x, float * dst, const int n, cudaStream_t stream) {
                const dim3 block_dims(256, 1, 1);
                rope_yarn_f32<true><<<n / 256, block_dims, 0, stream>>>(x, dst, n);
            }
            """
        let chunks = CodeChunker().chunk(source(text, "ggml-cuda/rope.cu")).chunks
        #expect(chunks.first { $0.symbol == "rope_yarn" }?.metadata.features.contains("wrapper") == false)
        #expect(chunks.first { $0.symbol == "rope_yarn_f32_cuda" }?.metadata.features.contains("wrapper") == true)
    }

    @Test("a Python function of at most three lines of its own is trivial, imports above it or not")
    func trivialPython() {
        let text = """
            import triton
            import torch


            def argmax_heur_block_m(args):
                return 4 if args["M"] < 4096 else 8


            def argmax(inp, dim):
                out = torch.empty_like(inp)
                n = inp.shape[dim]
                for i in range(n):
                    out[i] = inp[i]
                return out
            """
        let chunks = PythonChunker().chunk(source(text, "ops/argmax.py")).chunks
        #expect(chunks.first { $0.symbol == "argmax_heur_block_m" }?.metadata.features == ["trivial"])
        #expect(chunks.first { $0.symbol == "argmax" }?.metadata.features.contains("trivial") == false)
    }
}

@Suite("Documentation chunking")
struct DocChunkerTests {
    @Test("AsciiDoc: sections are chunks at their own lines, listing blocks stay whole, comments and markup are dropped")
    func asciiDoc() throws {
        let text = """
            = OpenCL Guide
            :toc:
            :source-highlighter: rouge

            // a line comment
            Intro text.

            == Work-groups

            [source,c]
            ----
            == not a heading
            __kernel void k(__global float *x) { x[get_global_id(0)] = 0; }
            ----

            .Local memory
            Text about local memory.

            ////
            hidden words
            ////

            === Barriers
            [NOTE]
            ====
            Use barrier(CLK_LOCAL_MEM_FENCE).
            ====
            """
        let src = source(text, "spec/guide.adoc")
        #expect(src.format == .asciidoc)
        let doc = try DocumentParser().parse(src)
        #expect(doc.chunks.map(\.title) == ["OpenCL Guide", "Work-groups", "Barriers"], "\(doc.chunks.map(\.title))")
        let work = try #require(doc.chunks.first { $0.title == "Work-groups" })
        #expect(work.startLine == 8 && work.language == "asciidoc")
        #expect(work.text.contains("== not a heading") && work.text.contains("```") && work.text.contains("Local memory"))
        #expect(!work.text.contains("[source,c]") && !work.text.contains("----"))
        #expect(doc.chunks.allSatisfy { !$0.text.contains("hidden words") && !$0.text.contains("line comment")
            && !$0.text.contains(":toc:") })
        #expect(doc.chunks.last?.text.contains("CLK_LOCAL_MEM_FENCE") == true)
        #expect(doc.chunks.allSatisfy { $0.kind == .doc })
    }

    @Test("AsciiDoc's two-line titles, code paragraphs, fences inside listings and one-line conditionals")
    func asciiDocEdges() throws {
        let text = """
            git-gc(1)
            =========

            NAME
            ----
            git-gc - Cleanup unnecessary files

            SYNOPSIS
            --------
            [source,sh]
            # install deps
            make gc

            ----
            ```c
            # not a heading
            ----

            ifdef::html[Only in HTML.]
            .5 is a number.
            ....
              // an indented line in a literal block
            ....

            == Unclosed
            ----
            code
            """
        let doc = try DocumentParser().parse(source(text, "Documentation/git-gc.adoc"))
        #expect(doc.chunks.map(\.title) == ["NAME", "SYNOPSIS", "Unclosed"], "\(doc.chunks.map(\.title))")
        let synopsis = try #require(doc.chunks.first { $0.title == "SYNOPSIS" })
        #expect(synopsis.text.contains("# install deps") && synopsis.text.contains("```c") && synopsis.text.contains("Only in HTML.")
            && synopsis.text.contains(".5 is a number.") && synopsis.text.contains("// an indented line"), "\(synopsis.text)")
        #expect(doc.chunks.last?.endLine == 27)  // the file's last line: no line was added or lost
        #expect(!AsciiDocReader.looksLikeAsciiDoc("[sources]\nurl = x\n-----\nnotes\n"))
    }

    @Test("AsciiDoc from random fragments: every chunk's lines are the file's, and its text is the file's lines there")
    func asciiDocLinesStayTheFiles() throws {
        let fragments = ["= Title", "== Section", "=== Sub", "Text line.", "", "----", "....", "////", "++++", "====", "****",
                         "[source,c]", "[[anchor]]", ":attr: value", "// comment", ".Block title", "ifdef::x[]", "endif::[]",
                         "ifdef::html[Only here.]", "|===", "| a | b", "```", "~~~~", "# hash line", "Title", "-----",
                         "NOTE: careful", "include::other.adoc[]", "  indented", "- item", "* item"]
        var rng = SplitMix(state: 0x9E3779B97F4A7C15)
        for _ in 0..<300 {
            var lines: [String] = []
            for _ in 0..<Int.random(in: 1...40, using: &rng) {
                lines.append(fragments[Int.random(in: 0..<fragments.count, using: &rng)])
            }
            let text = lines.joined(separator: "\n")
            guard text.contains(where: { !$0.isWhitespace }) else { continue }
            let doc = try DocumentParser().parse(source(text, "docs/random.adoc"))
            for chunk in doc.chunks {
                #expect(chunk.startLine >= 1 && chunk.endLine <= lines.count && chunk.startLine <= chunk.endLine,
                        "\(chunk.startLine)-\(chunk.endLine) of \(lines.count): \(text)")
            }
        }
    }

    @Test("a .txt file in AsciiDoc (Khronos' specification sources) is read as AsciiDoc; plain text stays text")
    func asciiDocInText() throws {
        let spec = "= The OpenCL C Specification\n:toc: left\n\n== Work-items\n\n[source,opencl_c]\n----\nsize_t get_global_id(uint dim);\n----\n"
        let doc = try DocumentParser().parse(source(spec, "OpenCL_C.txt"))
        #expect(doc.format == .asciidoc)
        #expect(doc.chunks.map(\.title) == ["Work-items"] && doc.chunks[0].language == "asciidoc", "\(doc.chunks.map(\.title))")
        let plain = try DocumentParser().parse(source("Notes\n=====\n\nBuild with make. Then run it:\n\n: not an attribute\n", "notes.txt"))
        #expect(plain.format == nil && plain.chunks.allSatisfy { $0.language == "text" })
    }

    @Test("a table of contents is no chunk: its entries head sections of their own; a section named so with prose stays")
    func tableOfContents() {
        let md = "# Reference\n\nIntro text.\n\n## Table of contents\n\n- Introduction\n\n- [Trigonometric functions](#trig)\n"
            + "1. Power functions\n\n## Trigonometric functions\n\nVectorized sine.\n\n## Contents\n\nThe box holds a CPU.\n"
        let titles = MarkdownChunker().chunk(source(md, "docs/ref.md")).chunks.map(\.title)
        #expect(titles == ["Reference", "Trigonometric functions", "Contents"], "\(titles)")
        // A setext heading's table of contents goes too; a list describing a repository's folders stays.
        let setext = "Guide\n=====\n\nText.\n\nContents\n--------\n\n- [Install](#install)\n- Usage\n\n"
            + "Usage\n-----\n\nRun it.\n\n## Contents\n\n- `kernels/`: CUDA kernels\n- `python/`: bindings\n"
        let setextTitles = MarkdownChunker().chunk(source(setext, "docs/guide.md")).chunks.map(\.title)
        #expect(setextTitles == ["Guide", "Usage", "Contents"], "\(setextTitles)")
    }

    @Test("Markdown splits at headings, never inside code fences")
    func markdown() {
        let text = """
            # Stable numerics

            Intro text.

            ## Welford's algorithm

            ```c
            # not a heading
            float m = 0;
            ```

            ### Merging partial results

            Chan's formula.
            """
        let doc = MarkdownChunker().chunk(source(text, "docs/n.md"))
        #expect(doc.title == "Stable numerics")
        #expect(doc.chunks.map(\.title) == ["Stable numerics", "Welford's algorithm", "Merging partial results"])
        #expect(doc.chunks[1].text.contains("# not a heading"))
        #expect(doc.chunks[2].metadata.headingPath == ["Stable numerics", "Welford's algorithm", "Merging partial results"])
        #expect(doc.chunks[1].startLine == 5)
    }

    @Test("headings with no text are kept when nothing nests under them; `#` lines in HTML comments are no headings")
    func headingOnlySections() {
        let text = """
            # Potential new ops

            <!--*
            # Document freshness: see go/fresh-source.
            *-->

            ## Wishlist

            ### Widening add: u16 + half u8 = u16

            ### NEON dot product

            ### numpy

            Functions from numpy that are still missing.
            """
        let doc = MarkdownChunker().chunk(source(text, "docs/wishlist.md"))
        #expect(doc.chunks.map(\.title) == ["Potential new ops", "Widening add: u16 + half u8 = u16", "NEON dot product", "numpy"])
        #expect(doc.chunks[0].text.contains("# Document freshness"))
        #expect(doc.chunks[1].metadata.headingPath == ["Potential new ops", "Wishlist", "Widening add: u16 + half u8 = u16"])
        #expect(doc.chunks[2].startLine == 11 && doc.chunks[2].endLine == 11)
    }

    @Test("HTML drops scripts, styles and navigation, keeps headings, code and tables")
    func html() {
        let text = """
            <!DOCTYPE html><html><head><title>Tiling guide</title><style>body{color:red}</style>
            <script>var secret = "do not index";</script></head>
            <body><nav><a href="/">Home</a> menu-link</nav>
            <header>Site banner</header>
            <main><h1>Tiling</h1><p>Blocking keeps data in <code>L1</code>.</p>
            <h2>Register blocking</h2>
            <pre><code>for (i = 0; i &lt; n; i++)
              acc += a[i];</code></pre>
            <table><tr><th>cache</th><th>size</th></tr><tr><td>L1</td><td>48 KiB</td></tr></table>
            </main><footer>copyright</footer></body></html>
            """
        let doc = HTMLReader().read(source(text, "docs/t.html"))
        let all = doc.chunks.map(\.text).joined(separator: "\n")
        #expect(doc.title == "Tiling guide")
        #expect(!all.contains("do not index"))
        #expect(!all.contains("menu-link"))
        #expect(!all.contains("Site banner"))
        #expect(!all.contains("copyright"))
        #expect(!all.contains("color:red"))
        #expect(doc.chunks.map(\.title) == ["Tiling", "Register blocking"])
        #expect(all.contains("for (i = 0; i < n; i++)"))
        #expect(all.contains("| L1 | 48 KiB |"))
        #expect(doc.chunks[1].startLine == 6)
    }

    @Test("malformed HTML is recovered, not fatal")
    func brokenHTML() {
        let doc = HTMLReader().read(source("<html><body><h1>Half<p>open <b>tags <div></body>", "b.html"))
        #expect(doc.chunks.contains { $0.text.contains("open") })
    }

    @Test("XML references give one chunk per repeated entry")
    func xmlReference() throws {
        let text = """
            <?xml version="1.0"?>
            <intrinsics_list>
              <intrinsic name="_mm512_fmadd_ps" tech="AVX-512">
                <return type="__m512" varname="dst"/>
                <parameter type="__m512" varname="a"/>
                <CPUID>AVX512F</CPUID>
                <description>Fused multiply-add.</description>
              </intrinsic>
              <intrinsic name="_mm256_add_ps" tech="AVX">
                <description>Add.</description>
              </intrinsic>
            </intrinsics_list>
            """
        let doc = try XMLReferenceReader().read(source(text, "ref.xml"))
        #expect(doc.chunks.map(\.symbol) == ["_mm512_fmadd_ps", "_mm256_add_ps"])
        #expect(doc.chunks[0].metadata.isa == ["avx512"])
        #expect(doc.chunks[1].metadata.isa == ["avx2"])
        #expect(doc.chunks[0].text.contains("description: Fused multiply-add."))
        #expect(doc.chunks[0].startLine == 3)
        #expect(doc.chunks[0].endLine == 8)
    }

    @Test("an XML entry renders as indented name: attr=value text lines, exactly")
    func xmlEntryText() throws {
        let text = """
            <?xml version="1.0"?>
            <!DOCTYPE ref [<!ENTITY w "256">]>
            <ref>
              <entry NAME="_mm&w;_and_si&w;" Tech="AVX2" note="a &amp; b" k\u{212A}="kelvin">
                <return type="__m&w;i"/>
                <sig>
                  <param type="int" varname="x"/>
                  <param/>
                </sig>
                <operation>
                  FOR j := 0 to 7
                  \tdst[j] := a[j] AND b[j]   \u{20}
                  ENDFOR
                </operation>
                <description>  één, twee  </description>
                <empty attr=""></empty>
              </entry>
              <entry name="second"><description>x</description></entry>
            </ref>
            """
        let doc = try XMLReferenceReader().read(source(text, "ref.xml"))
        #expect(doc.chunks.map(\.symbol) == ["_mm256_and_si256", "second"])
        // The name attribute matched case-insensitively (ASCII), "Tech" too; the Kelvin-sign attribute lower-cases to
        // "kk", not a key name, so it stays among the listed attributes.
        #expect(doc.chunks[0].text == """
            _mm256_and_si256 (Tech=AVX2, note=a & b, k\u{212A}=kelvin)
            return: type=__m256i
            sig:
              param: type=int varname=x
              param:
            operation: \("")
              FOR j := 0 to 7
              dst[j] := a[j] AND b[j]
              ENDFOR
            description: één, twee
            empty: attr=
            """)
        #expect(doc.chunks[0].metadata.isa == ["avx2"])
        #expect(doc.chunks[1].text == "second\ndescription: x")
    }

    @Test("malformed XML is an error naming the line")
    func brokenXML() {
        #expect(throws: CorpusError.self) { try XMLReferenceReader().read(source("<a>\n<b>\n</a>", "bad.xml")) }
        do {
            _ = try XMLReferenceReader().read(source("<a>\n<b>\n</a>", "bad.xml"))
        } catch {
            guard case .malformed(let path, let line, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == "bad.xml")
            #expect(line == 3)
        }
    }

    @Test("plain text: capitalised lines become sections")
    func plainText() {
        let doc = PlainTextChunker().chunk(source("Intro.\n\nMEMORY BANDWIDTH\n\nSTREAM triad.\n", "n.txt"))
        #expect(doc.chunks.map(\.title) == ["n.txt", "MEMORY BANDWIDTH"])
    }
}

@Suite("Trace records")
struct TraceReaderTests {
    @Test("broken lines are reported with their numbers and the good lines kept")
    func brokenLines() {
        let text = """
            {"id":"t1","task":"layernorm","backend":"c-simd","outcome":"accepted","timings":{"median_ms":4.1,"baseline_ms":26},"speedup":6.3,"hardware":{"threads":2,"isa":"avx512"}}
            {"id":"t2","task":"softmax"
            not json at all
            {"id":"t3","task":"softmax","backend":"opencl"}
            [1,2]
            {"id":"t4","task":"rmsnorm","backend":"c-simd","outcome":"rejected","speedup":"fast"}
            """
        let doc = TraceReader().read(source(text, "traces/a.jsonl"))
        #expect(doc.chunks.map(\.symbol) == ["t1", "t4"])
        let errors = doc.diagnostics.filter { $0.severity == .error }
        #expect(errors.map(\.line) == [2, 3, 4, 5])
        #expect(errors.first { $0.line == 4 }?.field == "outcome")
        #expect(doc.diagnostics.contains { $0.line == 6 && $0.field == "speedup" && $0.severity == .warning })
        let t = doc.chunks[0].metadata.trace
        #expect(t?.medianMs == 4.1)
        #expect(t?.baselineMs == 26)
        #expect(t?.threads == 2)
        #expect(doc.chunks[0].metadata.isa == ["avx512"])
        #expect(doc.chunks[0].startLine == 1)
        #expect(doc.chunks[1].metadata.trace?.speedup == nil)
    }
}

@Suite("Code chunking on real-world C++ patterns")
struct CodeChunkerRegressionTests {
    @Test("operator overloads are functions, never a crash")
    func operators() {
        let doc = CodeChunker().chunk(source("bool operator==(const A& a, const A& b) {\n  return a.v == b.v;\n}\nA operator+(A a, A b) { return a; }\ntemplate <class T, class A>\nbatch<T, A>& batch<T, A>::operator++() noexcept { return *this; }\n"
            + "struct F {\n  float operator()(float x) const { return x; }\n  std::tuple<T, int>\n      operator ( ) (std::span<const T> in) { return {}; }\n};\n", "op.cpp"))
        #expect(doc.chunks.compactMap(\.symbol) == ["operator==", "operator+", "batch::operator++", "F::operator()", "F::operator()"])
    }

    @Test("a default template argument does not hide the function")
    func templateDefaults() {
        let text = "template <class T, class = std::enable_if_t<std::is_integral_v<T>>>\nT twice(T x)\n{ return x*2; }\nint plain(int x)\n{ return x+1; }\n"
        let doc = CodeChunker().chunk(source(text, "ea.cpp"))
        #expect(doc.chunks.compactMap(\.symbol) == ["twice", "plain"])
        #expect(doc.chunks[1].startLine == 4)
    }

    @Test("braces duplicated across #if/#else branches stay balanced")
    func conditionalBraces() {
        let text = "void shift(int a) {\n#if X\n  if (a)\n  {\n#else\n  if (a)\n  {\n#endif\n  }\n}\nvoid after(void) {\n}\n"
        let doc = CodeChunker().chunk(source(text, "pp.c"))
        #expect(doc.chunks.compactMap(\.symbol) == ["shift", "after"])
        #expect(doc.chunks[0].endLine == 10)
    }

    @Test("whole functions in #else branches are kept")
    func balancedAlternatives() {
        let text = "#if TRIANGULAR\nvoid XgemmUpper(int n) {\n  body(n);\n}\n#else\n#if RELAX\n  __kernel\n#else\n  __kernel __attribute__((reqd_work_group_size(8, 8, 1)))\n#endif\nvoid Xgemm(int n) {\n  body(n);\n}\n#endif\n"
        let doc = CodeChunker().chunk(source(text, "xgemm.cl"))
        #expect(doc.chunks.compactMap(\.symbol) == ["XgemmUpper", "Xgemm"])
        #expect(doc.chunks[1].metadata.qualifiers.contains("__kernel"))
    }

    @Test("long declaration-only files are split too")
    func longDeclarations() {
        let text = (0..<400).map { "int f\($0)(int);" }.joined(separator: "\n")
        let doc = CodeChunker(maxLinesPerChunk: 150).chunk(source(text, "api.h"))
        #expect(doc.chunks.count == 4)
    }

    @Test(".opencl files are OpenCL")
    func openclExtension() {
        #expect(DocumentFormat.fromPath("kernels/xaxpy.opencl") == .opencl)
    }

    @Test("GPU shader sources are kernels; graphics shaders are not read", arguments: [
        ("ggml-metal.metal", DocumentFormat.metal), ("shaders/soft_max.comp", .glsl), ("lib/reduce.GLSL", .glsl),
        ("shaders/quad.vert", nil), ("shaders/quad.frag", nil),
    ])
    func shaderExtensions(path: String, format: DocumentFormat?) {
        #expect(DocumentFormat.fromPath(path) == format)
        if let format { #expect(format.kind == .kernel) }
    }

    @Test("Metal kernels are chunked one per function, tagged metal, with `kernel` and threadgroup features")
    func metalKernels() {
        let text = """
            #include <metal_stdlib>
            using namespace metal;

            // Row softmax: one threadgroup per row.
            kernel void kernel_soft_max_f32(
                    device const float * src0 [[buffer(0)]],
                    device       float * dst  [[buffer(1)]],
                    threadgroup  float * buf  [[threadgroup(0)]],
                    uint tgpig[[threadgroup_position_in_grid]],
                    uint tiisg[[thread_index_in_simdgroup]]) {
                float m = simd_max(src0[tgpig]);
                threadgroup_barrier(mem_flags::mem_threadgroup);
                dst[tgpig] = exp(src0[tgpig] - m);
            }

            template<typename T>
            kernel void kernel_add(device const T * a, device T * b, uint i [[thread_position_in_grid]]) {
                b[i] += a[i];
            }
            """
        let doc = CodeChunker().chunk(source(text, "ggml-metal.metal"))
        #expect(doc.chunks.compactMap(\.symbol) == ["kernel_soft_max_f32", "kernel_add"])
        let softmax = doc.chunks[0]
        #expect(softmax.language == "metal")
        #expect(softmax.backend == "metal")
        #expect(softmax.metadata.qualifiers.contains("kernel"))
        #expect(softmax.metadata.features.contains("barrier"))
        #expect(softmax.metadata.features.contains("subgroups"))
        #expect(softmax.metadata.ops.contains("softmax"))
        #expect(softmax.text.contains("// Row softmax"))
    }

    @Test("braced default arguments (`= {}`) are no body: the function keeps its name and its whole text")
    func bracedDefaultArguments() {
        let text = """
            template <class... Args, class ThrLayout, class ValLayout = Layout<_1>>
            CUTE_HOST_DEVICE
            auto constexpr
            make_tiled_copy(Copy_Atom<Args...> const& copy_atom,
                            ThrLayout          const& thr_layout = {},     // (m,n) -> thr_idx
                            ValLayout          const& val_layout = {1, 2})
            {
              auto layout_mn = raked_product(thr_layout, val_layout);
              return make_tiled_copy_impl(copy_atom, layout_mn);
            }

            template <class... Args, class AtomTVLayout>
            CUTE_HOST_DEVICE constexpr auto
            make_cotiled_copy(Copy_Atom<Args...> const& copy_atom, AtomTVLayout const& atom_tv_layout)
            {
              return copy_atom;
            }
            """
        let doc = CodeChunker().chunk(source(text, "copy_atom.hpp"))
        #expect(doc.chunks.compactMap(\.symbol) == ["make_tiled_copy", "make_cotiled_copy"])
        #expect(doc.chunks.first?.text.contains("raked_product") == true)
        #expect(doc.chunks.last?.text.contains("raked_product") == false)
    }

    @Test("lines naming the function before them (explicit instantiations) stay with it, not with the next one")
    func instantiationsStayWithTheirTemplate() {
        let text = """
            template<typename T>
            kernel void kernel_soft_max(device const T * src0, device T * dst, uint i [[thread_position_in_grid]]) {
                dst[i] = exp(src0[i]);
            }

            typedef decltype(kernel_soft_max<float>) kernel_soft_max_t;

            template [[host_name("kernel_soft_max_f16")]] kernel kernel_soft_max_t kernel_soft_max<half>;
            #if defined(HAS_BF16)
            template [[host_name("kernel_soft_max_bf16")]] kernel kernel_soft_max_t kernel_soft_max<bfloat>;
            #endif

            constant int conv_width = 4;

            // Convolution along the sequence.
            template<typename T>
            kernel void kernel_ssm_conv(device const T * src0, device T * dst, uint i [[thread_position_in_grid]]) {
                dst[i] = src0[i] * conv_width;
            }
            """
        let doc = CodeChunker().chunk(source(text, "ggml-metal.metal"))
        #expect(doc.chunks.compactMap(\.symbol) == ["kernel_soft_max", "kernel_ssm_conv"])
        #expect(doc.chunks[0].text.contains("kernel_soft_max<half>;"))
        #expect(doc.chunks[0].endLine == 11)  // through the `#endif`
        #expect(!doc.chunks[1].text.contains("host_name"))
        // What does not name the kernel before it still opens the next one.
        #expect(doc.chunks[1].text.hasPrefix("constant int conv_width = 4;"))
        #expect(doc.chunks[1].metadata.ops.isEmpty)
        let cuda = """
            template <typename T> __global__ void scale(T *x, int n) { x[threadIdx.x] *= 2; }
            template __global__ void scale<float>(float *x, int n);
            __global__ void shift(float *x) { x[threadIdx.x] += 1; }
            """
        let cudaDoc = CodeChunker().chunk(source(cuda, "scale.cu"))
        #expect(cudaDoc.chunks.compactMap(\.symbol) == ["scale", "shift"])
        #expect(cudaDoc.chunks[0].text.hasSuffix("scale<float>(float *x, int n);"))
        #expect(cudaDoc.chunks[1].text.hasPrefix("__global__ void shift"))
    }

    @Test("a GLSL compute shader's main is a Vulkan kernel with its buffers, shared memory and barrier features")
    func glslCompute() {
        let text = """
            #version 450
            #extension GL_KHR_shader_subgroup_arithmetic : enable
            layout(local_size_x = 256) in;
            layout(binding = 0) readonly buffer A { float data_a[]; };
            layout(binding = 1) writeonly buffer D { float data_d[]; };
            shared float vals[256];

            // Sums a row with a shared-memory tree.
            void main() {
                const uint tid = gl_LocalInvocationID.x;
                vals[tid] = data_a[gl_GlobalInvocationID.x];
                barrier();
                data_d[gl_WorkGroupID.x] = subgroupAdd(vals[tid]);
            }
            """
        let doc = CodeChunker().chunk(source(text, "shaders/sum_rows.comp"))
        // Interface blocks (`layout(...) buffer A { ... };`) are declarations, kept with the function after them.
        #expect(doc.chunks.compactMap(\.symbol) == ["main"])
        let main = doc.chunks.first { $0.symbol == "main" }
        #expect(main?.text.contains("readonly buffer A") == true)
        #expect(main?.language == "glsl")
        #expect(main?.backend == "vulkan")
        #expect(main?.metadata.features.contains("barrier") == true)
        #expect(main?.metadata.features.contains("subgroups") == true)
        #expect(main?.text.contains("// Sums a row") == true)
        // A shader's entry point is `main`: its op comes from the file's name, as code spells it (`attn`).
        let shader = "#version 450\nlayout(local_size_x = 64) in;\n\nvoid main() {\n    const uint tid = gl_LocalInvocationID.x;\n}\n"
        let attention = CodeChunker().chunk(source(shader, "vulkan-shaders/flash_attn.comp"))
        #expect(attention.chunks.first { $0.symbol == "main" }?.metadata.ops == ["attention"])
    }
}

@Suite("Code chunking of C++ classes")
struct CodeChunkerClassTests {
    @Test("methods inside a class are chunks named Class::method; out-of-class template members keep their class")
    func classes() {
        let text = """
            template <class T> class Cache {
             public:
              // Finds a value.
              T Get(int k) const { return store_[k]; }
              void Store(int k, T v) { store_[k] = v; }
             private:
              T store_[16];
            };

            template <class T>
            T Cache<T>::Lookup(int k) {
              return Get(k);
            }

            struct Point { float x, y; };
            static const int table[] = { 1, 2 };
            int after(void) { return table[0]; }
            """
        let doc = CodeChunker().chunk(source(text, "cache.cpp"))
        #expect(doc.chunks.compactMap(\.symbol) == ["Cache::Get", "Cache::Store", "Cache::Lookup", "after"])
        #expect(doc.chunks[0].text.contains("// Finds a value."))
        #expect(doc.chunks.map(\.title) == ["Cache::Get", "Cache::Store", "Cache (members)", "Cache::Lookup", "Point (members)", "after"])
        #expect(doc.chunks[2].text.contains("T store_[16];"))
        #expect(doc.chunks[3].startLine == 10)  // the `template <class T>` line
    }
}

@Suite("Preambles above a function")
struct PreambleTests {
    /// A C++ file whose first function follows a long include list, as kernel libraries write them.
    static let includeList = """
        // Copyright 2017 Tencent
        // SPDX-License-Identifier: BSD-3-Clause

        #include "convolution_arm.h"
        #include "cpu.h"

        namespace ncnn {

        #include "convolution_1x1.h"
        #include "convolution_3x3.h"
        #include "convolution_packed.h"
        #include "convolution_3x3_winograd.h"
        #include "convolution_im2col_gemm.h"
        #if NCNN_INT8
        #include "convolution_3x3_winograd_int8.h"
        #endif // NCNN_INT8

        // Packing is on by default.
        Convolution_arm::Convolution_arm()
        {
            support_packing = true;
            activation = 0;
        }
        """

    @Test("more than eight lines of code or directives above a function's comment are a declarations chunk of their own")
    func longIncludeListsAreSplitOff() throws {
        let chunks = CodeChunker().chunk(source(Self.includeList, "layer/arm/convolution_arm.cpp")).chunks
        #expect(chunks.map(\.title) == ["declarations", "Convolution_arm::Convolution_arm"])
        let constructor = try #require(chunks.last)
        // The function keeps its own comment, and nothing of the include list: no winograd, no gemm.
        #expect(constructor.startLine == 18)
        #expect(constructor.text.hasPrefix("// Packing is on by default."))
        #expect(!constructor.text.contains("winograd"))
        #expect(!constructor.metadata.ops.contains("gemm"))
        #expect(chunks.first?.startLine == 1)
        #expect(chunks.first?.endLine == 16)
    }

    @Test("a header comment, however long, stays with the first function, as do eight directives below it, not nine",
          arguments: [(0, 1), (8, 1), (9, 2)])
    func shortPreamblesStay(directives: Int, chunkCount: Int) {
        var text = "/*\n * softmax.c -- row softmax, AVX2.\n *\n * Technique: online max and sum in one pass.\n"
        for i in 0..<30 { text += " * Note \(i).\n" }
        text += " */\n"
        for i in 0..<directives { text += "#include \"h\(i).h\"\n" }
        text += "\nvoid softmax(float *x, int n) {\n    for (int i = 0; i < n; i++) x[i] = expf(x[i]);\n}\n"
        let chunks = CodeChunker().chunk(source(text, "kernels/softmax.c")).chunks
        #expect(chunks.count == chunkCount)
        #expect(chunks.last?.symbol == "softmax")
        #expect(chunks.first?.text.contains("online max and sum") == true)
        #expect(chunks.first?.startLine == 1)
    }
}

@Suite("Assembly chunking")
struct AssemblyChunkerTests {
    @Test("a C function built from its file's inline-assembly macros has their ISA, transitively; one using none has none")
    func macroISA() throws {
        let text = """
            #include "common.h"
            #define SETUP_TRUE "ptrue p0.d \\n"
            #define UPDATE(x) \\
                "ld1d { z2.d }, p0/z, [" x "] \\n" \\
                "fmla z0.d, p0/m, z2.d, z3.d \\n"
            #define DOT_KERNEL SETUP_TRUE UPDATE("x1")
            #define SHIFT "3"

            static double dot_kernel_sve(long n, double *x, double *y) {
                double ret;
                __asm__(DOT_KERNEL : : : "memory");
                return ret;
            }

            static long count_blocks(long n) {
                long blocks = 0;
                for (long i = 0; i < n; i += 8) blocks += 1;
                return blocks >> SHIFT;
            }
            """
        let chunks = CodeChunker().chunk(source(text, "kernel/arm64/dot_kernel.c", .c)).chunks
        let kernel = try #require(chunks.first { $0.symbol == "dot_kernel_sve" })
        #expect(kernel.metadata.isa == ["sve"])
        #expect(!kernel.metadata.features.contains("glue"))
        #expect(chunks.first { $0.symbol == "count_blocks" }?.metadata.isa == [])
    }

    @Test("a macro that is no assembly gives no ISA: a format string, a name, a comment")
    func macrosThatAreNoAssembly() {
        let text = """
            #define SHOW(i) printf("%.2d %.4s\\n", i, "ab")
            #define USE_ZMM 1
            #define NOTE /* uses ymm and xmm */ 0
            static void dump(int i) {
                if (USE_ZMM + NOTE) SHOW(i);
            }
            """
        let chunk = CodeChunker().chunk(source(text, "src/dump.c", .c)).chunks.first { $0.symbol == "dump" }
        #expect(chunk?.metadata.isa == [])
        #expect(chunk?.metadata.features.contains("glue") == true)
    }

    @Test("a `/*` in a directive's line comment opens no comment: the function after it is found")
    func lineCommentInDirective() {
        let text = "#include \"k.h\" // see kernel/*.c\nvoid f(float *a) {\n    for (int i = 0; i < 4; i++) a[i] = 0;\n}\n/* x */\n"
        #expect(CodeChunker().chunk(source(text, "src/f.c", .c)).chunks.compactMap(\.symbol) == ["f"])
    }

    @Test("a C function with no SIMD of its own takes the ISA its file's name names", arguments: [
        ("kernel/arm64/trsm_kernel_LN_sve.c", ["sve"]), ("src/layer/arm/sigmoid_arm_asimdhp.cpp", ["neon"]),
        ("kernel/x86_64/sgemv_n_avx2.c", ["avx2"]), ("kernel/x86_64/trsm_kernel_LN.c", []), ("src/ssesum.c", []),
    ])
    func cFileNameISA(path: String, isa: [String]) {
        let text = "static void solve(long n, float *a, float *b) {\n    for (long i = 0; i < n; i++) b[i] /= a[i];\n}\n"
        let format: DocumentFormat = path.hasSuffix(".cpp") ? .cpp : .c
        let chunk = CodeChunker().chunk(source(text, path, format)).chunks.first { $0.symbol == "solve" }
        #expect(chunk?.metadata.isa == isa)
    }

    @Test("an OpenBLAS-style micro-kernel: a chunk per macro and one for the routine PROLOGUE starts, named by the file")
    func openBLASKernel() throws {
        let text = """
            /*********************************************************************
            Copyright (c) 2013, The OpenBLAS Project
            modification, are permitted provided that the following conditions are
            met:
            *********************************************************************/

            #define ASSEMBLER
            #include "common.h"

            #define AO	%rdi
            #define BO	%rsi

            /*******************************************************************/

            .macro KERNEL16x6_SUB
            	vmovups 	-16 * SIZE(AO), %ymm0
            	vbroadcastss	 -4 * SIZE(BO), %ymm2
            	vfmadd231ps	%ymm0, %ymm2, %ymm4
            	addq	$ 16*SIZE, AO
            .endm

            // Stores the 16x6 block of C.
            .macro SAVE16x6
            	vmulps	%ymm0, %ymm4, %ymm4
            	vmovups	%ymm4, (CO1)
            .endm

            	PROLOGUE
            	PROFCODE
            .L6_01:
            	KERNEL16x6_SUB
            	decq	%rax
            	jnz	.L6_01
            	SAVE16x6
            	ret
            	EPILOGUE
            """
        let chunks = AssemblyChunker().chunk(source(text, "kernel/x86_64/sgemm_kernel_16x4_haswell.S", .assembly)).chunks
        #expect(chunks.map(\.title) == ["declarations", "KERNEL16x6_SUB", "SAVE16x6", "sgemm_kernel_16x4_haswell"])
        let kernel = try #require(chunks.first { $0.symbol == "KERNEL16x6_SUB" })
        #expect(kernel.language == "asm")
        #expect(kernel.backend == "c-simd")
        #expect(kernel.metadata.isa == ["avx2"])
        #expect(kernel.metadata.ops.contains("gemm"))
        // The banner above the macro is its comment; `met:` inside the licence is no routine.
        #expect(kernel.startLine == 13)
        #expect(chunks.first { $0.symbol == "SAVE16x6" }?.text.hasPrefix("// Stores the 16x6 block of C.") == true)
        #expect(chunks.last?.text.contains(".L6_01:") == true)
        // The routine only invokes the macros, whose registers give the file its ISA.
        #expect(chunks.last?.metadata.isa == ["avx2"])
        #expect(chunks.last?.backend == "c-simd")
    }

    @Test("the comment above a routine is that routine's, not the one before it; a `/*` in a line comment opens nothing")
    func commentsAboveRoutines() throws {
        let text = "foo:\n    ret\n// Bar does x.\nbar:\n    ret\n// see kernel/*.S\nbaz:\n    ret\n"
        let chunks = AssemblyChunker().chunk(source(text, "kernel/k.S", .assembly)).chunks
        #expect(chunks.compactMap(\.symbol) == ["foo", "bar", "baz"])
        #expect(chunks.first { $0.symbol == "foo" }?.text == "foo:\n    ret")
        #expect(chunks.first { $0.symbol == "bar" }?.text.hasPrefix("// Bar does x.") == true)
        #expect(chunks.first { $0.symbol == "baz" }?.startLine == 6)
    }

    @Test("the parts of one long routine share its ISAs")
    func routinePartsShareISA() {
        let body = (0..<30).map { "    vfmadd231ps %ymm\($0 % 8), %ymm9, %ymm10" }.joined(separator: "\n")
        let text = "sgemm_kernel:\n" + body + "\n" + (0..<30).map { _ in "    addq $4, %rax" }.joined(separator: "\n")
            + "\n    movss %xmm0, (%rdi)\n    ret\n"
        let chunks = AssemblyChunker(maxLines: 20).chunk(source(text, "kernel/x86_64/k.S", .assembly)).chunks
        #expect(chunks.count > 2)
        // The `xmm` tail is the AVX kernel's own work, not SSE code.
        #expect(chunks.allSatisfy { $0.metadata.isa == ["avx2"] }, "\(chunks.map(\.metadata.isa))")
    }

    @Test("a routine has the ISAs of the macros it invokes; another routine of the file keeps its own")
    func macroInvocationsGiveISA() {
        let text = """
            .macro KERNEL8_SUB
                vfmadd231ps %ymm0, %ymm1, %ymm4
            .endm

            sum_sse:
                addps %xmm0, %xmm1
                ret

            sum_avx:
                KERNEL8_SUB
                ret
            """
        let chunks = AssemblyChunker().chunk(source(text, "kernel/x86_64/sum.S", .assembly)).chunks
        #expect(chunks.first { $0.symbol == "sum_avx" }?.metadata.isa == ["avx2"])
        #expect(chunks.first { $0.symbol == "sum_sse" }?.metadata.isa == ["sse"])
    }

    @Test("a chunker told to split at every line does not trap", arguments: [0, 1, 2])
    func tinyParts(maxLines: Int) {
        let chunks = AssemblyChunker(maxLines: maxLines).chunk(source("foo:\n  nop\n  nop\n  ret\n", "k.S", .assembly)).chunks
        #expect(!chunks.isEmpty)
    }

    @Test("a routine with no register in sight takes the ISA its file's name names, else none", arguments: [
        ("kernel/x86_64/iamax_sse2.S", ["sse"]), ("kernel/arm64/gemv_t_sve.S", ["sve"]), ("kernel/x86_64/iamax.S", []),
    ])
    func fileNameISA(path: String, isa: [String]) {
        let chunks = AssemblyChunker().chunk(source("\tPROLOGUE\n\tSAVEREGISTERS\n\tKERNEL\n\tret\n", path, .assembly)).chunks
        #expect(chunks.map(\.metadata.isa) == [isa])
        #expect(chunks.first?.backend == (isa.isEmpty ? nil : "c-simd"))
    }

    @Test("global labels start routines, local labels do not; NASM and GNU comments attach", arguments: [
        ("    .text\n    .globl sdot_neon\n// Dot product, four lanes.\nsdot_neon:\n1:\n    ld1 {v0.4s}, [x1], #16\n    fmla v2.4s, v0.4s, v1.4s\n    b.ne 1b\n    ret\n",
         "sdot_neon", ["neon"]),
        ("section .text\nglobal dot_avx\n; Dot product, eight lanes.\ndot_avx:\n.loop:\n    vfmadd231ps ymm0, ymm1, [rsi]\n    jnz .loop\n    ret\n",
         "dot_avx", ["avx2"]),
        ("sgemv_sve:\n    ptrue p0.s\n    ld1w z0.s, p0/z, [x0]\n    ret\n", "sgemv_sve", ["sve"]),
    ])
    func routines(text: String, symbol: String, isa: [String]) throws {
        let chunks = AssemblyChunker().chunk(source(text, "kernel/dot.S", .assembly)).chunks
        let routine = try #require(chunks.first { $0.symbol == symbol }, "\(chunks.map(\.title))")
        #expect(routine.metadata.isa == isa)
        #expect(chunks.compactMap(\.symbol) == [symbol])
        #expect(routine.text.contains("ret"))
    }

    @Test("assembly files are read by extension", arguments: ["k.S", "k.s", "k.asm", "dir/sgemm_kernel.S"])
    func extensions(path: String) {
        #expect(DocumentFormat.fromPath(path) == .assembly)
        #expect(DocumentFormat.assembly.kind == .kernel)
    }
}

/// A deterministic random number generator for generated test inputs (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
