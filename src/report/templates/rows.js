/* The rows of a text view, written as a pre.rows element of one line per
   row (src/report/html/rows.rs, rows_html, has the format), become one
   <div class="r" id="P L n"><span class="n">n</span><div class="c">…</div></div>
   per row: a row's line is the one after the previous row's, after a gap
   row's count, or the <i data-n> it starts with; an edit <b class="rK …">
   gets class "e", data-rule (rules[K]), and its id P+"e"+i and tabindex
   (data-i on a continued part); a removed duplicate's <i data-n> anchors
   get ids. Returns nothing; replaces pre by the rows. */
function rowsOf(pre,P,rules){
  var f=document.createDocumentFragment(),nodes=Array.prototype.slice.call(pre.childNodes);
  var line=1,last=-1,c=document.createElement("div");
  function num(s){var m=/\d+/.exec(s||"");return m?parseInt(m[0],10):0;}
  function edit(b){
    var t=b.className.split(" "),rule=0,flag=false,cont=false,dup=false,ix=-1;
    t.forEach(function(k){
      if(k==="f")flag=true;else if(k==="c")cont=true;else if(k==="d")dup=true;
      else if(k.charAt(0)==="r")rule=num(k);else if(k.charAt(0)==="i")ix=num(k);
    });
    b.className="e"+(flag?" flag":"")+(dup?" dup":"");
    b.setAttribute("data-rule",rules[rule]||"");
    if(cont){b.setAttribute("data-i",P+"e"+(ix>=0?ix:last));return;}
    last=ix>=0?ix:last+1;b.id=P+"e"+last;b.tabIndex=0;
  }
  /* The row's elements as they are appended: its edits, its anchors. */
  var bs=[],as=[];
  function end(){
    var r=document.createElement("div"),first=c.firstChild,s;
    r.className="r";
    if(first&&first.nodeName==="I"&&first.hasAttribute("data-n")){line=num(first.getAttribute("data-n"));c.removeChild(first);as.shift();first=c.firstChild;}
    if(first&&first.nodeName==="I"&&first.className==="g"){
      r.className="r g";r.appendChild(document.createElement("span")).className="n";
      line+=num(first.textContent);
    }else{
      var n=line++;
      r.id=P+"L"+n;
      if(bs.length){r.className=first&&first.nodeName==="B"&&/(^| )d( |$)/.test(first.className)?"r x d":"r x";}
      bs.forEach(edit);
      as.forEach(function(a){
        var e=document.createElement("span");
        last=a.hasAttribute("data-e")?num(a.getAttribute("data-e")):last+1;
        a.id=P+"L"+num(a.getAttribute("data-n"));e.id=P+"e"+last;a.parentNode.insertBefore(e,a.nextSibling);
      });
      s=document.createElement("span");s.className="n";s.textContent=String(n);r.appendChild(s);
    }
    c.className="c";r.appendChild(c);f.appendChild(r);
    c=document.createElement("div");bs=[];as=[];
  }
  nodes.forEach(function(x){
    if(x.nodeType!==3){
      c.appendChild(x);
      if(x.nodeName==="B")bs.push(x);else if(x.nodeName==="I"&&x.hasAttribute("data-n"))as.push(x);
      return;
    }
    var parts=x.data.split("\n");
    for(var k=0;k<parts.length;k++){
      if(k>0)end();
      if(parts[k])c.appendChild(document.createTextNode(parts[k]));
    }
  });
  pre.parentNode.replaceChild(f,pre);
}
