import Runtime
print("prn")
