/* A minimal non-Go executable: writable data, no Go build info. */
volatile int counter = 1;
void _start(void) {
    counter++;
    __asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
}
