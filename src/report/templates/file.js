/* The page script of a review page, inside one function with rows.js
   (html.rs, FILE_JS). */
var body=document.body,tip=document.getElementById("tip");
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!==undefined)e.textContent=text;return e;}
/* A section's rules table lists rule and count: the tag and the
   description (from the page's one table of them, #rule-docs) are added. */
var docs={};
document.querySelectorAll("#rule-docs tr").forEach(function(t){docs[t.getAttribute("data-rule")]=t.cells[0];});
document.querySelectorAll(".rules tr").forEach(function(t){
  var id=t.getAttribute("data-rule"),td=el("td"),d=el("td","doc");
  td.appendChild(el("span","tag f-"+id.split(".")[0],id));t.insertBefore(td,t.firstChild);
  if(docs[id])docs[id].childNodes.forEach(function(n){d.appendChild(n.cloneNode(true));});
  t.appendChild(d);
});
/* Each section's rows, with its id prefix (data-p) and its rules table
   (the rule of an edit is an index into it). */
document.querySelectorAll("pre.rows").forEach(function(pre){
  var sec=pre.closest(".file"),rules=[];
  (sec||document).querySelectorAll(".rules tr").forEach(function(t){rules.push(t.getAttribute("data-rule"));});
  rowsOf(pre,sec?sec.getAttribute("data-p")||"":"",rules);
});
/* The "All changes" table of each section, from its JSON data block: one
   array per change, [line, col, rule (index into the rules table), before,
   after, bits (1 flag, 2 only listed), kept [href,file,line], echo link,
   detail]. */
document.querySelectorAll("script.cdata").forEach(function(s){
  var sec=s.closest(".file"),P=sec?sec.getAttribute("data-p"):"",tb=s.previousElementSibling.tBodies[0],data;
  try{data=JSON.parse(s.textContent);}catch(e){return;}
  var rules=[];(sec||document).querySelectorAll(".rules tr").forEach(function(t){rules.push(t.getAttribute("data-rule"));});
  var f=document.createDocumentFragment();
  data.forEach(function(c,i){
    var r=rules[c[2]]||"",bits=c[5]||0,k=c[6],tr=el("tr");tr.id=P+"c"+i;
    var td=el("td","mono"),a=el("a","",c[0]+":"+c[1]);a.href="#"+P+(bits&2?"L"+c[0]:"e"+i);td.appendChild(a);tr.appendChild(td);
    td=el("td");td.appendChild(el("span","tag f-"+r.split(".")[0],r));tr.appendChild(td);
    tr.appendChild(el("td","ba b",c[3]||""));
    td=el("td","ba a");
    if(bits&1)td.appendChild(el("i","mut","flag"));else if(c[4])td.textContent=c[4];else td.appendChild(el("i","mut","removed"));
    tr.appendChild(td);
    td=el("td");
    if(k){td.appendChild(document.createTextNode("duplicate of "));a=el("a","dup",k[1]+":"+k[2]);a.href=k[0];td.appendChild(a);}
    else if(c[7]){a=el("a","",c[8]||"");a.href=c[7];td.appendChild(a);}
    else if(c[8])td.textContent=c[8];
    tr.appendChild(td);f.appendChild(tr);
  });
  tb.appendChild(f);
});
var marks=Array.prototype.slice.call(document.querySelectorAll(".e[tabindex]"));
/* A page holds the sections of one or more files; every id in a section
   starts with its data-p prefix ("f12." or nothing): mark P+"e"+i, its row
   of the changes table P+"c"+i, line P+"L"+n. */
function key(e){return e.id||e.getAttribute("data-i");}
function rowOf(e){return document.getElementById(key(e).replace(/e(\d+)$/,"c$1"));}
var cur=-1;
function pref(k,v){try{if(v===undefined)return localStorage.getItem("newsclean."+k);localStorage.setItem("newsclean."+k,v);}catch(e){return null;}}
/* Tooltip: built from the row of the changes table (already escaped DOM). */
function show(target){
  var row=rowOf(target);
  if(!row){tip.hidden=true;return;}
  tip.textContent="";
  var head=el("div");head.appendChild(row.cells[1].querySelector(".tag").cloneNode(true));
  var rr=null,rid=target.getAttribute("data-rule");
  var sec=target.closest(".file")||document;
  sec.querySelectorAll(".rules tr").forEach(function(t){if(t.getAttribute("data-rule")===rid)rr=t;});
  if(rr)head.appendChild(document.createTextNode(" "+rr.querySelector(".doc").textContent));
  tip.appendChild(head);
  var dl=el("dl");
  function item(label,node){dl.appendChild(el("dt","",label));var dd=el("dd");dd.appendChild(node);dl.appendChild(dd);}
  item("line",document.createTextNode(row.cells[0].textContent));
  item("before",el("span","ba",row.cells[2].textContent||"(nothing)"));
  var af=row.cells[3].querySelector("i");
  item("after",af?el("i","",af.textContent):el("span","ba",row.cells[3].textContent));
  var det=row.cells[4].textContent.trim();if(det)item("detail",document.createTextNode(det));
  tip.appendChild(dl);
  tip.hidden=false;
  var r=target.getBoundingClientRect(),w=tip.offsetWidth,h=tip.offsetHeight;
  var x=Math.max(4,Math.min(window.scrollX+r.left,window.scrollX+document.documentElement.clientWidth-w-8));
  var y=window.scrollY+r.bottom+6;
  if(r.bottom+h+10>window.innerHeight&&r.top>h+10)y=window.scrollY+r.top-h-6;
  tip.style.left=x+"px";tip.style.top=y+"px";
}
function edit(t){return t&&t.closest?t.closest(".e[data-rule]"):null;}
document.addEventListener("mouseover",function(ev){var e=edit(ev.target);if(e)show(e);else if(!tip.hidden&&document.activeElement&&!edit(document.activeElement))tip.hidden=true;});
document.addEventListener("focusin",function(ev){var e=edit(ev.target);if(e){show(e);cur=marks.indexOf(e);}else tip.hidden=true;});
document.addEventListener("mouseout",function(ev){if(edit(ev.target)&&!edit(ev.relatedTarget)&&!edit(document.activeElement))tip.hidden=true;});
function go(d){
  if(!marks.length)return;
  var vis=marks.filter(function(m){return m.offsetParent!==null;});
  if(!vis.length)return;
  var i=vis.indexOf(marks[cur]);
  if(i<0){var top=window.innerHeight*0.3;i=d>0?-1:vis.length;for(var k=0;k<vis.length;k++){if(vis[k].getBoundingClientRect().top>top){i=d>0?k-1:k;break;}}}
  i=Math.max(0,Math.min(vis.length-1,i+d));
  var m=vis[i];cur=marks.indexOf(m);
  marks.forEach(function(x){x.classList.remove("cur");});m.classList.add("cur");
  m.scrollIntoView({block:"center"});m.focus({preventScroll:true});
}
var sbsBuilt=false;
function view(sbs){
  if(sbs&&!sbsBuilt){
    sbsBuilt=true;
    document.querySelectorAll(".r").forEach(function(r){
      var c=r.querySelector(".c"),a=c.cloneNode(true);
      a.className="c after";
      a.querySelectorAll("[id]").forEach(function(x){x.setAttribute("data-i",key(x));x.removeAttribute("id");});
      a.querySelectorAll("[tabindex]").forEach(function(x){x.removeAttribute("tabindex");});
      a.setAttribute("aria-hidden","true");
      r.appendChild(a);
    });
  }
  body.classList.toggle("sbs",sbs);
  document.getElementById("v-inline").setAttribute("aria-pressed",String(!sbs));
  document.getElementById("v-sbs").setAttribute("aria-pressed",String(sbs));
  pref("view",sbs?"sbs":"inline");
}
function only(on){body.classList.toggle("only",on);document.getElementById("only").setAttribute("aria-pressed",String(on));}
document.getElementById("next").onclick=function(){go(1);};
document.getElementById("prev").onclick=function(){go(-1);};
document.getElementById("v-inline").onclick=function(){view(false);};
document.getElementById("v-sbs").onclick=function(){view(true);};
document.getElementById("only").onclick=function(){only(!body.classList.contains("only"));};
document.addEventListener("keydown",function(ev){
  if(ev.ctrlKey||ev.metaKey||ev.altKey)return;
  var t=ev.target.tagName;if(t==="INPUT"||t==="TEXTAREA"||t==="SELECT")return;
  if(ev.key==="n"||ev.key==="j"){go(1);ev.preventDefault();}
  else if(ev.key==="p"||ev.key==="k"){go(-1);ev.preventDefault();}
  else if(ev.key==="v"){view(!body.classList.contains("sbs"));}
  else if(ev.key==="c"){only(!body.classList.contains("only"));}
  else if(ev.key==="Escape"){tip.hidden=true;}
});
document.addEventListener("click",function(ev){
  var n=ev.target.closest&&ev.target.closest(".text .n");if(!n||!n.textContent)return;
  var s=n.closest(".file");location.hash=(s?s.getAttribute("data-p"):"")+"L"+n.textContent;});
var h=document.querySelector("header.top");
if(h)document.documentElement.style.setProperty("--toph",h.offsetHeight+"px");
var qv=/[?&]view=(sbs|inline)/.exec(location.search);
if(qv?qv[1]==="sbs":pref("view")==="sbs")view(true);
/* The ids of rows and edits are set above, after the parser looked for the
   link's target: land on it here (and mark it, as :target would). */
function land(){
  document.querySelectorAll(".tgt").forEach(function(x){x.classList.remove("tgt");});
  var t=location.hash.length>1&&document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if(!t)return;
  t.classList.add("tgt");
  if(t.matches(".e[tabindex]")){t.scrollIntoView({block:"center"});t.focus({preventScroll:true});}
  else t.scrollIntoView();
}
land();
window.addEventListener("hashchange",land);

