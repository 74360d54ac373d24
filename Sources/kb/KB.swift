@main struct KB { static func main() {} }
