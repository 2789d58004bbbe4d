# expect: clean-block 6
# The clean block (PowerShell 7.3).
function Use-Key {
  process { $_ }
  end { 'done' }
  clean { $key.Close() }
}
